#include "payments/yookassa/trusted_ips.hpp"

namespace vpnhub::payments::yookassa {
namespace {

constexpr std::array<std::uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<std::array<std::uint8_t, 4>> ParseV4(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  std::size_t part = 0;
  std::size_t pos = 0;
  while (part < 4) {
    std::size_t digits = 0;
    int value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 4) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3 || value > 255) return std::nullopt;
    out[part++] = static_cast<std::uint8_t>(value);
    if (part < 4) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
  }
  if (pos != text.size()) return std::nullopt;
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16-bit groups of one side of "::" (a dotted IPv4 tail allowed when `tail`); nullopt when a
// group is not 1-4 hex digits.
std::optional<std::vector<std::uint16_t>> Groups(std::string_view side, bool tail) {
  std::vector<std::uint16_t> groups;
  if (side.empty()) return groups;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = side.find(':', start);
    const std::string_view group = side.substr(start, colon - start);
    if (colon == std::string_view::npos && tail && group.find('.') != std::string_view::npos) {
      const auto v4 = ParseV4(group);
      if (!v4) return std::nullopt;
      groups.push_back(static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]));
      groups.push_back(static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]));
      return groups;
    }
    if (group.empty() || group.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : group) {
      const int h = HexValue(c);
      if (h < 0) return std::nullopt;
      value = value * 16 + h;
    }
    groups.push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) return groups;
    start = colon + 1;
  }
}

std::optional<std::array<std::uint8_t, 16>> ParseV6(std::string_view text) {
  const std::size_t gap = text.find("::");
  std::vector<std::uint16_t> groups;
  if (gap == std::string_view::npos) {
    auto all = Groups(text, true);
    if (!all || all->size() != 8) return std::nullopt;
    groups = std::move(*all);
  } else {
    if (text.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
    auto head = Groups(text.substr(0, gap), false);
    auto tail = Groups(text.substr(gap + 2), true);
    if (!head || !tail || head->size() + tail->size() > 7) return std::nullopt;
    groups = std::move(*head);
    groups.resize(8 - tail->size(), 0);
    groups.insert(groups.end(), tail->begin(), tail->end());
  }
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
  }
  return out;
}

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
    const auto v4 = ParseV4(text);
    if (!v4) return std::nullopt;
    std::copy(kV4Mapped.begin(), kV4Mapped.end(), ip.bytes.begin());
    std::copy(v4->begin(), v4->end(), ip.bytes.begin() + 12);
    ip.v4 = true;
    return ip;
  }
  const auto v6 = ParseV6(text);
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
