#pragma once
// The HOST[:PORT] part of a remote API's URL, as the outline, xui and remnawave settings read it.
// Each kind keeps its own scheme and path rules (Outline: https only with a secret path; the
// panels: http or https with an optional base path); only the authority is read the same way.
#include <string>

#include "core/status.hpp"

namespace vpnhub::vpn {

struct UrlAuthority {
  std::string host;  // without the brackets of an IPv6 address
  int port = 0;
  bool ipv6 = false;  // written "[host]"

  // "host:port" or "[v6]:port", for messages.
  std::string HostPort() const;
};

// True when `url` has no blank, control or non-ASCII character, query, fragment, user part or
// backslash: the URLs the hub accepts for a remote API.
bool IsPlainUrlText(const std::string& url);

// "host", "host:port", "[v6]" or "[v6]:port" -> the host (a host name or an IP address, checked)
// and the port (1..65535, at most 5 digits; `default_port` when absent). kInvalidArgument naming
// "the API URL's" host or port otherwise.
Result<UrlAuthority> ParseUrlAuthority(const std::string& authority, int default_port);

}  // namespace vpnhub::vpn
