#include "vpn/wireguard/tunnel.hpp"

#include <arpa/inet.h>

#include <optional>
#include <string_view>

namespace vpnhub::vpn::wireguard {
namespace {

std::optional<int> ParsePrefix(std::string_view text) {
  if (text.empty() || text.size() > 2) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::uint32_t Mask(int prefix) { return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix); }

}  // namespace

std::string FormatIpv4(std::uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

Result<Tunnel> ParseTunnel(const std::string& cidr) {
  const std::string what = "tunnel \"" + cidr + "\"";
  const auto slash = cidr.find('/');
  if (slash == std::string::npos) {
    return InvalidArgument(what + " is not ADDRESS/PREFIX (e.g. 10.8.0.1/24)");
  }
  const std::string address = cidr.substr(0, slash);
  in_addr addr{};
  if (inet_pton(AF_INET, address.c_str(), &addr) != 1) {
    if (address.find(':') != std::string::npos) {
      return InvalidArgument(what + " is IPv6; only an IPv4 tunnel is supported");
    }
    return InvalidArgument(what + " does not start with an IPv4 address");
  }
  const auto prefix = ParsePrefix(std::string_view(cidr).substr(slash + 1));
  if (!prefix || *prefix > 32) return InvalidArgument(what + " has no prefix length 0..32");
  if (*prefix >= 31 || *prefix == 0) {
    return InvalidArgument(
        what + " must have a prefix length 1..30 (a /" + std::to_string(*prefix) +
        (*prefix == 0 ? " is every address" : " leaves no address for keys") + ")");
  }
  Tunnel t;
  t.prefix = *prefix;
  t.own = ntohl(addr.s_addr);
  t.network = t.own & Mask(t.prefix);
  const std::uint32_t broadcast = t.network | ~Mask(t.prefix);
  if (t.own == t.network || t.own == broadcast) {
    return InvalidArgument(what + ": " + address + " is the network's " +
                           (t.own == t.network ? "network" : "broadcast") +
                           " address, not the interface's own address");
  }
  return t;
}

std::int64_t FreeAddresses(const Tunnel& tunnel) {
  const std::int64_t size = std::int64_t{1} << (32 - tunnel.prefix);
  return size - 3;  // network, broadcast, the interface's own address
}

Result<std::string> SlotAddress(const Tunnel& tunnel, int slot) {
  if (slot < 0 || slot >= FreeAddresses(tunnel)) {
    return InvalidArgument("key slot " + std::to_string(slot) + " is outside the tunnel /" +
                           std::to_string(tunnel.prefix) + " (" +
                           std::to_string(FreeAddresses(tunnel)) + " addresses for keys)");
  }
  std::uint32_t address = tunnel.network + 1 + static_cast<std::uint32_t>(slot);
  if (address >= tunnel.own) ++address;
  return FormatIpv4(address) + "/32";
}

}  // namespace vpnhub::vpn::wireguard
