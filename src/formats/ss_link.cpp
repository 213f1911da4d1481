#include "formats/ss_link.hpp"

#include <cstdint>

namespace vpnhub::formats {
namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsSip022Method(std::string_view method) { return method.starts_with("2022-blake3-"); }

}  // namespace

std::string Base64UrlNoPad(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
        static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 2]));
    out += kBase64UrlAlphabet[(n >> 18) & 63];
    out += kBase64UrlAlphabet[(n >> 12) & 63];
    out += kBase64UrlAlphabet[(n >> 6) & 63];
    out += kBase64UrlAlphabet[n & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    out += kBase64UrlAlphabet[(n >> 18) & 63];
    out += kBase64UrlAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8);
    out += kBase64UrlAlphabet[(n >> 18) & 63];
    out += kBase64UrlAlphabet[(n >> 12) & 63];
    out += kBase64UrlAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ShadowsocksLink(std::string_view method, std::string_view password,
                            std::string_view host, int port, std::string_view tag) {
  std::string link = "ss://";
  if (IsSip022Method(method)) {
    // SIP022 keys are base64 already; clients expect them readable, not double-encoded.
    link += PercentEncode(method);
    link += ':';
    link += PercentEncode(password);
  } else {
    std::string userinfo;
    userinfo.reserve(method.size() + 1 + password.size());
    userinfo.append(method).append(":").append(password);
    link += Base64UrlNoPad(userinfo);
  }
  link += '@';
  const bool needs_brackets = host.find(':') != std::string_view::npos && !host.starts_with('[');
  if (needs_brackets) link += '[';
  link += host;
  if (needs_brackets) link += ']';
  link += ':';
  link += std::to_string(port);
  if (!tag.empty()) {
    link += '#';
    link += PercentEncode(tag);
  }
  return link;
}

}  // namespace vpnhub::formats
