#pragma once
// AmneziaWG client configuration files (.conf) as an amnezia-wg-easy server makes them: WireGuard's
// format plus the obfuscation keys of [Interface] (Jc, Jmin, Jmax, S1, S2, H1..H4; AmneziaWG 2.0
// adds S3, S4, I1..I5). The server and every client must use identical values, so the hub never
// makes, changes or reorders a line: it takes the server's text as given. Pure functions, no I/O;
// safe from any thread.
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::formats {

// True for the [Interface] keys plain WireGuard does not take (case-sensitive, as awg reads them):
// Jc, Jmin, Jmax, S1..S4, H1..H4, I1..I5.
bool IsAmneziaWgKey(std::string_view key);

// The configuration a person imports: the server's text with its leading blank lines removed and
// a final newline (nothing else changes: every line, the AmneziaWG ones included, stays as the
// server wrote it). kInvalidArgument when the text is not a client configuration (no [Interface]
// or no [Peer] section, no PrivateKey) or when the server left its placeholder PrivateKey
// "REPLACE_ME" (a client whose private key the server does not hold).
Result<std::string> AmneziaWgConf(std::string_view server_text);

// The AmneziaWG lines of `conf` (those whose key IsAmneziaWgKey), each as written, in their order,
// each ending in '\n'.
std::string AmneziaWgLines(std::string_view conf);

// `conf` without its AmneziaWG lines, every other line as written and ending in '\n': what plain
// WireGuard (wg-quick, wireguard-go) accepts.
std::string StripAmneziaWg(std::string_view conf);


}  // namespace vpnhub::formats
