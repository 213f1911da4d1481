#pragma once
// The outline kind: Outline servers (shadowbox), through their management API.
//   vpnhub server add --kind outline --api-url URL --cert-sha256 HEX ...
//   vpnhub server add --kind outline --outline-json '{"apiUrl":"...","certSha256":"..."}' ...
// (the second is the line Outline's installer prints; one form or the other, not both). They set
// the settings "api_url" (secret: its path is the API's password), "cert_sha256" and "api_host"
// (HOST:PORT, which `server list` shows). Before saving, `server add` asks GET /server (refused
// when the server cannot be reached or its certificate is not the pinned one); without
// --public-host the server's hostnameForAccessKeys (else the API URL's host) is the public host.
#include "vpn/kind.hpp"

namespace vpnhub::vpn::outline {

KindSpec OutlineKind();

// The probe before `server add` saves `server` (KindSpec::prepare_server).
Status PrepareOutlineServer(const BackendOptions& options, Server& server);

}  // namespace vpnhub::vpn::outline
