#pragma once
// Shadowsocks share links in the SIP002 form (shadowsocks.org/doc/sip002.html). Pure functions,
// no I/O; safe from any thread.
#include <string>
#include <string_view>

namespace vpnhub::formats {

// RFC 4648 section 5 ("base64url": '-' and '_' instead of '+' and '/') without '=' padding.
std::string Base64UrlNoPad(std::string_view data);

// Percent-encodes every byte except the RFC 3986 unreserved set (ALPHA DIGIT - . _ ~), with
// upper-case hex. UTF-8 text is encoded byte by byte.
std::string PercentEncode(std::string_view text);

// "ss://" userinfo "@" host ":" port "#" tag, where userinfo is
// Base64UrlNoPad(method ":" password), or for SIP022 "2022-blake3-*" methods
// PercentEncode(method) ":" PercentEncode(password). An IPv6 host (one containing ':') is put in
// brackets unless it already is. The tag is percent-encoded; an empty tag leaves out the '#'.
std::string ShadowsocksLink(std::string_view method, std::string_view password,
                            std::string_view host, int port, std::string_view tag);

}  // namespace vpnhub::formats
