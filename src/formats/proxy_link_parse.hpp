#pragma once
// Reading share links back: the fields of an ss://, vless:// or trojan:// link as the VPN kinds
// deliver them (formats/ss_link.hpp, formats/proxy_links.hpp, Outline's access URLs, the links
// of Marzban and Remnawave panels), for the subscription formats that need them as fields (Clash,
// sing-box, the Outline dynamic key). Pure functions, no I/O; safe from any thread.
#include <map>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::formats {

struct ParsedProxyLink {
  std::string scheme;  // "ss", "vless", "trojan" (lower case)
  std::string host;    // without the brackets of an IPv6 address
  int port = 0;        // 1..65535
  std::string user;    // vless: the UUID; trojan and ss: the password (SIP022: "SERVER:USER")
  std::string method;  // ss: the cipher; empty otherwise
  std::map<std::string, std::string> query;  // decoded; a key given twice keeps its first value
  std::string name;                          // the #fragment, percent-decoded; empty when none
};

// The fields of `link`:
//  - ss:// in SIP002 form (userinfo base64 or base64url, padded or not, or percent-encoded
//    "method:password" as SIP022 asks), with an optional "/" before the query (Outline's
//    "/?outline=1"), or in the legacy form ss://BASE64(method:password@host:port)#tag;
//  - vless://UUID@HOST:PORT?QUERY#NAME and trojan://PASSWORD@HOST:PORT?QUERY#NAME.
// The query is decoded as Go's url.ParseQuery does ('+' is a space). kInvalidArgument for any
// other scheme, a missing '@', a bad port, bad percent-encoding or base64, or an ss:// link
// without "method:password".
Result<ParsedProxyLink> ParseProxyLink(std::string_view link);

// Percent-decoding ("%2F" -> "/"); with `plus_is_space`, '+' is a space (query values).
// kInvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// `link` with its #fragment replaced by `name`, percent-encoded (formats/ss_link.hpp
// PercentEncode); an empty name leaves the link as it is.
std::string WithLinkName(std::string_view link, std::string_view name);

}  // namespace vpnhub::formats
