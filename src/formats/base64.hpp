#pragma once
// Standard base64 (RFC 4648 section 4) for subscription bodies, and a lenient decoder for the
// userinfo of ss:// links. Pure functions, no I/O; safe from any thread.
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::formats {

// RFC 4648 section 4: '+' and '/', '=' padding.
std::string Base64Std(std::string_view data);

// Either alphabet ('+' '/' or '-' '_'), with or without '=' padding (padding only at the end).
// nullopt when `text` is not base64 (another character, or a length that cannot be).
std::optional<std::string> Base64DecodeAny(std::string_view text);

}  // namespace vpnhub::formats
