#include "payments/yookassa/trusted_ips.hpp"

#include <algorithm>

#include "core/host_rules.hpp"

namespace vpnhub::payments::yookassa {
namespace {

constexpr std::array<std::uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool SamePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) {
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    const auto v4 = ParseIpv4(text);
    if (!v4) return std::nullopt;
    std::copy(kV4Mapped.begin(), kV4Mapped.end(), ip.bytes.begin());
    std::copy(v4->begin(), v4->end(), ip.bytes.begin() + 12);
    ip.v4 = true;
    return ip;
  }
  const auto v6 = ParseIpv6(text);
  if (!v6) return std::nullopt;
  ip.bytes = *v6;
  return ip;
}

Result<TrustedIps> TrustedIps::Parse(std::string_view list) {
  TrustedIps out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    std::string_view entry = list.substr(start, comma - start);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (!entry.empty()) {
      const std::size_t slash = entry.find('/');
      const auto ip = ParseIp(entry.substr(0, slash));
      const int width = ip && ip->v4 ? 32 : 128;
      int prefix = width;
      if (slash != std::string_view::npos) {
        const std::string_view bits = entry.substr(slash + 1);
        prefix = bits.empty() || bits.size() > 3 ? -1 : 0;
        for (char c : bits)
          prefix = (c >= '0' && c <= '9' && prefix >= 0) ? prefix * 10 + (c - '0') : -1;
      }
      if (!ip || prefix < 0 || prefix > width) {
        return InvalidArgument("not an IP address or CIDR: \"" + std::string(entry) + "\"");
      }
      out.networks_.push_back(Network{*ip, ip->v4 ? prefix + 96 : prefix});
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool TrustedIps::Contains(std::string_view ip) const {
  if (networks_.empty()) return true;
  const auto address = ParseIp(ip);
  if (!address) return false;
  for (const Network& n : networks_) {
    if (SamePrefix(n.base.bytes, address->bytes, n.prefix)) return true;
  }
  return false;
}

}  // namespace vpnhub::payments::yookassa
