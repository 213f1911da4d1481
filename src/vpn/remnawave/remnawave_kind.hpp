#pragma once
// The remnawave kind: Remnawave panels, through their REST API with an API token.
//   vpnhub server add --kind remnawave --api-url URL --token T [--squad UUID ...] ...
// They set the settings "api_url" (secret), "api_host" (HOST:PORT, which `server list` shows),
// "token" (secret) and "squads" (the internal squads every user gets, comma-separated). Before
// saving, `server add` lists the panel's internal squads with the token (refused when the panel
// cannot be reached, refuses the token, or lacks a squad given); without --squad the panel's only
// squad is taken. Without --public-host the API URL's host is the public host.
#include "vpn/kind.hpp"

namespace vpnhub::vpn::remnawave {

KindSpec RemnawaveKind();

}  // namespace vpnhub::vpn::remnawave
