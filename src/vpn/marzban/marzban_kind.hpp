#pragma once
// The marzban kind: Marzban panels, through their REST API.
//   vpnhub server add --kind marzban --api-url URL --username U --password P
//                     [--inbound TAG ...] [--sub-url-base URL] ...
// They set the settings of marzban_backend.hpp. Before saving, `server add` logs in and checks
// that each --inbound tag is one of the panel's inbounds (all of them without --inbound); without
// --public-host the API URL's host is the public host.
#include "vpn/kind.hpp"

namespace vpnhub::vpn::marzban {

KindSpec MarzbanKind();

}  // namespace vpnhub::vpn::marzban
