#pragma once
// The VPN server kinds this build serves.
#include "core/status.hpp"
#include "vpn/kind_registry.hpp"

namespace vpnhub::vpn {

// A registry holding every kind of this build, the default kind of `server add` first. A kind
// lives in its own folder (src/vpn/<kind>/) and is added here with one line (see
// docs/adding-a-vpn-kind.md). kInvalidArgument / kAlreadyExists as KindRegistry::Register (a
// build defect, caught by tests/vpn/kind_registry_test.cpp).
Result<KindRegistry> BuiltinKinds();

}  // namespace vpnhub::vpn
