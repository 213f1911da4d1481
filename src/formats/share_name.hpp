#pragma once
// The name a VPN client shows for an imported key. Pure function, no I/O; safe from any thread.
#include <string>
#include <string_view>

namespace vpnhub::formats {

// "<brand> | <location>" (the operator's NAME and the key's location), or just the one that is
// set when the other is empty. Never carries anything about the person who owns the key. Each
// link format encodes it as it needs (the ss:// tag percent-encodes it).
std::string ShareLinkName(std::string_view brand, std::string_view location);

}  // namespace vpnhub::formats
