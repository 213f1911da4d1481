#include "vpn/backend_stack.hpp"

namespace vpnhub::vpn {

BackendStack::BackendStack(std::unique_ptr<ports::VpnBackend> adapter, int per_server_limit,
                           metrics::Registry& registry)
    : adapter_(std::move(adapter)),
      metered_(*adapter_, registry),
      gated_(metered_, per_server_limit, registry) {}

}  // namespace vpnhub::vpn
