#include "vpn/common/url_authority.hpp"

#include <optional>
#include <string_view>

#include "core/host_rules.hpp"

namespace vpnhub::vpn {
namespace {

std::optional<int> ParsePortDigits(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

std::string UrlAuthority::HostPort() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool IsPlainUrlText(const std::string& url) {
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '@' || c == '\\') return false;
  }
  return true;
}

Result<UrlAuthority> ParseUrlAuthority(const std::string& authority, int default_port) {
  UrlAuthority out;
  out.port = default_port;
  std::string port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument("the API URL's IPv6 host lacks ']'");
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("the API URL's host is not valid");
      port_text = after.substr(1);
      has_port = true;
    }
    if (!ParseIpv6(out.host)) return InvalidArgument("the API URL's IPv6 host is not valid");
    out.ipv6 = true;
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (out.host.empty()) return InvalidArgument("the API URL has no host");
    if (!CheckHost("host", out.host).ok()) {
      return InvalidArgument("the API URL's host is not a host name or an IP address");
    }
  }
  if (has_port) {
    if (port_text.empty()) return InvalidArgument("the API URL's port is empty");
    const auto port = ParsePortDigits(port_text);
    if (!port) return InvalidArgument("the API URL's port must be 1..65535");
    out.port = *port;
  }
  return out;
}

}  // namespace vpnhub::vpn
