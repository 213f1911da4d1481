#pragma once
// The wireguard kind: WireGuard hosts run by `vpnhub node` (WireguardBackend).
//   vpnhub server add --kind wireguard --node https://ADDR:PORT --cert-sha256 HEX --token TOKEN
//                     --location L --capacity N [--name N] [--public-host H]
// (the line `vpnhub node init` prints, plus location and capacity). --node sets the setting
// "node", --cert-sha256 "cert_sha256", --token "token" (secret: printed as ***); before the server
// is saved the hub asks the node for its interface (PrepareServer), which sets public_key,
// listen_port, endpoint and tunnel, and the public host when none is given. --token and
// --cert-sha256 are offered by `server edit` too (a node whose token or certificate was made
// again). `server list` shows the node.
#include "vpn/kind.hpp"

namespace vpnhub::vpn::wireguard {

KindSpec WireguardKind();

}  // namespace vpnhub::vpn::wireguard
