#pragma once
// The name a WireGuard-style configuration file is sent under. Pure, no I/O; safe from any thread.
#include <string>
#include <string_view>

namespace vpnhub::formats {

// The file name for a configuration shared as `share_name` (see share_name.hpp): wg-quick names
// the interface after the file, and Linux interface names have at most 15 characters, so the name
// keeps at most 15 of A-Z a-z 0-9 _ -, every run of other bytes becoming one '_', no '_' or '-' at
// either end, then ".conf"; `fallback` + ".conf" when nothing is left.
// "VPNHub | Amsterdam" -> "VPNHub_Amsterda.conf".
std::string ConfFileName(std::string_view share_name, std::string_view fallback = "vpn");

}  // namespace vpnhub::formats
