#pragma once
// The "amneziawg" server kind: an amnezia-wg-easy web API (see amneziawg_backend.hpp).
#include "vpn/kind.hpp"

namespace vpnhub::vpn::amneziawg {

// `server add --kind amneziawg --api-url URL --password P`.
KindSpec AmneziaWgKind();

}  // namespace vpnhub::vpn::amneziawg
