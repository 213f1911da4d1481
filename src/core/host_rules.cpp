#include "core/host_rules.hpp"

#include <vector>

#include "core/text_rules.hpp"

namespace vpnhub {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view StripBrackets(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

// The 16-bit groups of one side of "::" (or of a whole address without it); an IPv4 literal may
// end it when `ipv4_tail` and counts as two groups.
std::optional<std::vector<std::uint16_t>> ParseGroups(std::string_view part, bool ipv4_tail) {
  std::vector<std::uint16_t> groups;
  if (part.empty()) return groups;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = part.find(':', start);
    const std::string_view piece = part.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    const bool last = colon == std::string_view::npos;
    if (last && ipv4_tail && piece.find('.') != std::string_view::npos) {
      auto v4 = ParseIpv4(piece);
      if (!v4) return std::nullopt;
      groups.push_back(static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]));
      groups.push_back(static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]));
      return groups;
    }
    if (piece.empty() || piece.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (char c : piece) {
      const int h = HexValue(c);
      if (h < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(h);
    }
    groups.push_back(static_cast<std::uint16_t>(value));
    if (last) return groups;
    start = colon + 1;
  }
}

std::string DottedQuad(const std::array<std::uint8_t, 4>& a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
         std::to_string(a[3]);
}

// RFC 5952: lower-case hex without leading zeros; the longest run of two or more zero groups
// (the first of equal runs) written as "::".
std::string Rfc5952(const std::array<std::uint8_t, 16>& bytes) {
  std::array<unsigned, 8> g{};
  for (int i = 0; i < 8; ++i) g[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::string group;
    unsigned v = g[i];
    do {
      group.insert(group.begin(), kHex[v & 15]);
      v >>= 4;
    } while (v != 0);
    out += group;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::optional<std::array<std::uint8_t, 4>> ParseIpv4(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && IsDigit(text[pos]) && pos - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    out[part] = static_cast<std::uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return out;
}

std::optional<std::array<std::uint8_t, 16>> ParseIpv6(std::string_view text) {
  text = StripBrackets(text);
  if (text.size() < 2 || text.find('%') != std::string_view::npos) return std::nullopt;
  std::vector<std::uint16_t> head, tail;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    auto all = ParseGroups(text, true);
    if (!all || all->size() != 8) return std::nullopt;
    head = std::move(*all);
  } else {
    auto h = ParseGroups(text.substr(0, gap), false);
    auto t = ParseGroups(text.substr(gap + 2), true);
    if (!h || !t || h->size() + t->size() > 7) return std::nullopt;
    head = std::move(*h);
    tail = std::move(*t);
  }
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < head.size(); ++i) groups[i] = head[i];
  for (std::size_t i = 0; i < tail.size(); ++i) groups[8 - tail.size() + i] = tail[i];
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xFF);
  }
  return out;
}

bool IsHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  bool last_all_digits = false;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view label =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    last_all_digits = true;
    for (char c : label) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-') return false;
      if (!IsDigit(c)) last_all_digits = false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !last_all_digits;
}

Status CheckHost(std::string_view field, std::string_view host) {
  VPNHUB_RETURN_IF_ERROR(CheckText(field, host, 255));
  if (IsHostName(host) || ParseIpv4(host) || ParseIpv6(host)) return Status::Ok();
  bool numeric = true;
  for (char c : host) numeric = numeric && (IsDigit(c) || c == '.');
  return InvalidArgument(std::string(field) + " " + Quoted(host) +
                         (numeric ? " is not a valid IPv4 address (four numbers 0..255)"
                                  : " is not a host name (letters, digits, '-' and '.'), an "
                                    "IPv4 address or an IPv6 address"));
}

std::string CanonicalHost(std::string_view host) {
  std::string h = Lower(StripBrackets(host));
  if (h.size() > 1 && h.back() == '.') h.pop_back();
  if (h == "localhost" || h.ends_with(".localhost")) return "localhost";
  std::optional<std::array<std::uint8_t, 4>> v4 = ParseIpv4(h);
  if (!v4) {
    if (auto v6 = ParseIpv6(h)) {
      bool zero_prefix = true;  // the first 80 bits
      for (int i = 0; i < 10; ++i) zero_prefix = zero_prefix && (*v6)[i] == 0;
      const bool mapped = zero_prefix && (*v6)[10] == 0xFF && (*v6)[11] == 0xFF;
      bool any = zero_prefix && (*v6)[10] == 0 && (*v6)[11] == 0;
      for (int i = 12; i < 15; ++i) any = any && (*v6)[i] == 0;
      if (any && ((*v6)[15] == 0 || (*v6)[15] == 1)) return "localhost";  // :: and ::1
      if (!mapped) return Rfc5952(*v6);
      v4 = std::array<std::uint8_t, 4>{(*v6)[12], (*v6)[13], (*v6)[14], (*v6)[15]};
    }
  }
  if (v4) {
    const bool unspecified = (*v4)[0] == 0 && (*v4)[1] == 0 && (*v4)[2] == 0 && (*v4)[3] == 0;
    if ((*v4)[0] == 127 || unspecified) return "localhost";
    return DottedQuad(*v4);
  }
  return h;
}

bool SameEndpoint(std::string_view host_a, int port_a, std::string_view host_b, int port_b) {
  return port_a == port_b && CanonicalHost(host_a) == CanonicalHost(host_b);
}

std::optional<int> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return v;
}

}  // namespace vpnhub
