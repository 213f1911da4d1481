#pragma once
// The shadowsocks kind: servers run by shadowsocks-libev's ss-manager (ShadowsocksBackend).
//   vpnhub server add --kind shadowsocks --manager HOST:PORT --ports FROM-TO [--method CIPHER]
// --manager sets the setting "manager", --ports "port_from" and "port_to" (also offered by
// `server edit`), --method "method". `server list` shows the manager.
#include <optional>
#include <string_view>
#include <utility>

#include "vpn/kind.hpp"

namespace vpnhub::vpn::shadowsocks {

KindSpec ShadowsocksKind();

// A port range "FROM-TO" with 1 <= FROM <= TO <= 65535 (digits only, no sign or blank); nullopt
// for anything else.
std::optional<std::pair<int, int>> ParsePortRange(std::string_view text);

}  // namespace vpnhub::vpn::shadowsocks
