#pragma once
// One kind's backend as the process uses it, built the same way for every kind.
#include <memory>

#include "core/ports/vpn_backend.hpp"
#include "metrics/registry.hpp"
#include "vpn/gated_backend.hpp"
#include "vpn/metered_backend.hpp"

namespace vpnhub::vpn {

// The kind's adapter inside a MeteredBackend (latency and errors of the calls that reach the
// server) inside a GatedBackend (at most `gate.per_server_limit` calls in flight per server; the
// wait for a place is not part of the measured latency). Owns all three.
class BackendStack {
 public:
  // `registry` must outlive the stack.
  BackendStack(std::unique_ptr<ports::VpnBackend> adapter, GateOptions gate,
               metrics::Registry& registry);
  BackendStack(const BackendStack&) = delete;
  BackendStack& operator=(const BackendStack&) = delete;

  // The outermost layer: what the use cases call.
  ports::VpnBackend& backend() { return gated_; }
  GatedBackend& gate() { return gated_; }

 private:
  std::unique_ptr<ports::VpnBackend> adapter_;
  MeteredBackend metered_;
  GatedBackend gated_;
};

}  // namespace vpnhub::vpn
