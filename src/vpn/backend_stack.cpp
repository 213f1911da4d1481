#include "vpn/backend_stack.hpp"

namespace vpnhub::vpn {

BackendStack::BackendStack(std::unique_ptr<ports::VpnBackend> adapter, GateOptions gate,
                           metrics::Registry& registry)
    : adapter_(std::move(adapter)),
      metered_(*adapter_, registry),
      gated_(metered_, gate, registry) {}

}  // namespace vpnhub::vpn
