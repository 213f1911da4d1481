#pragma once
// The tunnel network of a WireGuard interface ("10.8.0.1/24": the interface's own address and the
// prefix) and the /32 address each key slot takes in it. Pure functions, no I/O; thread-safe.
//
// Slot s takes the (s+1)-th address after the network address, skipping the interface's own
// address; the network and broadcast addresses are never given out. IPv4 only.
#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace vpnhub::vpn::wireguard {

struct Tunnel {
  std::uint32_t network = 0;  // host byte order
  int prefix = 0;             // 1..30
  std::uint32_t own = 0;      // the interface's address, a host address of the network
};

// "A.B.C.D/P" with 1 <= P <= 30 and A.B.C.D a host address of that network (neither its network
// nor its broadcast address). kInvalidArgument saying what is wrong otherwise (an IPv6 tunnel, a
// /31 or /32 leaving no address for keys, ...).
Result<Tunnel> ParseTunnel(const std::string& cidr);

// How many keys the tunnel holds: its host addresses minus the interface's own.
std::int64_t FreeAddresses(const Tunnel& tunnel);

// "A.B.C.D/32" of `slot`; kInvalidArgument when slot < 0 or slot >= FreeAddresses(tunnel).
Result<std::string> SlotAddress(const Tunnel& tunnel, int slot);

// "A.B.C.D" of an address in host byte order.
std::string FormatIpv4(std::uint32_t address);

}  // namespace vpnhub::vpn::wireguard
