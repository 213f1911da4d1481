#pragma once
// An allowlist of source networks (YOOKASSA_TRUSTED_IPS): a comma list of IPv4 and IPv6 CIDRs or
// single addresses (the literals of core/host_rules.hpp). An IPv4-mapped IPv6 peer
// (::ffff:185.71.76.1, what a dual-stack listener reports) is matched as its IPv4 address.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::payments::yookassa {

// An address as 16 bytes (IPv4 as ::ffff:a.b.c.d) and whether it was written as IPv4.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

// "185.71.76.1", "2a02:5180::1", "::ffff:185.71.76.1"; nullopt for anything else (no zone ids,
// no blanks, no leading zeros in IPv4 parts).
std::optional<IpAddress> ParseIp(std::string_view text);

class TrustedIps {
 public:
  // "" = no allowlist (Contains is always true). kInvalidArgument names the first bad entry.
  static Result<TrustedIps> Parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  // Whether `ip` (a peer address as text) is inside one of the networks; false for text that is
  // not an address. Always true for an empty allowlist.
  bool Contains(std::string_view ip) const;

 private:
  struct Network {
    IpAddress base;
    int prefix = 0;  // bits of `base.bytes` that must match (IPv4 prefixes shifted by 96)
  };
  std::vector<Network> networks_;
};

}  // namespace vpnhub::payments::yookassa
