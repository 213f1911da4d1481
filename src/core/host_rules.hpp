#pragma once
// Rules for the host names and addresses an operator gives (a server's public host, the address
// of a VPN server's control endpoint): pure functions, no I/O (nothing is resolved), safe from
// any thread.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub {

// A dotted-quad IPv4 literal ("192.0.2.1": four decimal numbers 0..255, no leading zeros).
std::optional<std::array<std::uint8_t, 4>> ParseIpv4(std::string_view text);
// An IPv6 literal in RFC 4291 text form ("2001:db8::1", "::ffff:192.0.2.1"), with or without
// surrounding brackets; no zone index ("%eth0").
std::optional<std::array<std::uint8_t, 16>> ParseIpv6(std::string_view text);
// A host name of RFC 1123 labels: 1..63 letters, digits and '-' each (not at a label's start or
// end), joined by '.', at most 253 characters, and not ending in an all-digit label (that is an
// IPv4 address or a mistyped one).
bool IsHostName(std::string_view text);

// Ok when `host` is a host name, an IPv4 literal or an IPv6 literal (see above): what a share
// link or a socket address can carry. kInvalidArgument otherwise, beginning with `field`.
Status CheckHost(std::string_view field, std::string_view host);

// One spelling per address, for telling whether two configured endpoints are the same: host
// names in lower case without a trailing dot; IPv4 literals and IPv4-mapped IPv6 literals as
// dotted quads; other IPv6 literals in their RFC 5952 form; and every spelling of this machine
// ("localhost", *.localhost, 127.0.0.0/8, ::1, 0.0.0.0, ::) as "localhost". Names are not
// resolved: "vpn1.example.com" and its address are two spellings to this function.
std::string CanonicalHost(std::string_view host);
// Whether host_a:port_a and host_b:port_b are one endpoint: equal ports and equal CanonicalHost.
bool SameEndpoint(std::string_view host_a, int port_a, std::string_view host_b, int port_b);

// A port number written as 1 to 5 decimal digits, 1..65535; nullopt otherwise (no sign, no
// blanks).
std::optional<int> ParsePort(std::string_view text);

}  // namespace vpnhub
