#pragma once
// The xui kind: one inbound of a 3x-ui panel (github.com/MHSanaei/3x-ui), through its API.
//   vpnhub server add --kind xui --location L --api-url URL (--username U --password P | --token T)
//     --inbound-id N [--api v2|v3] --capacity N [--public-host H]
// --api-url is the panel's base URL with its secret web base path (stored as the secret setting
// "api_url"; "api_host" = HOST:PORT is what `server list` shows). v2 (2.x panels) logs in with the
// username and password; v3 (3.x panels) sends the API token (Settings -> Security -> API Token);
// a token implies v3. Without --api, `server add` asks the panel (prepare_server): GET
// /panel/api/clients/list/paged answers 404 on 2.x. Before saving, it reads the inbound (it must
// exist and be vless, trojan or shadowsocks 2022) and stores what the links need; without
// --public-host the API URL's host is the public host. WireGuard inbounds are refused: their
// peers (3x-ui's settings.peers, .conf delivery) are not implemented by this kind.
#include "vpn/kind.hpp"

namespace vpnhub::vpn::xui {

KindSpec XuiKind();

// The probe before `server add` saves `server` (KindSpec::prepare_server).
Status PrepareXuiServer(const BackendOptions& options, Server& server);

}  // namespace vpnhub::vpn::xui
