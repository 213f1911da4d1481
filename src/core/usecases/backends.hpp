#pragma once
#include <map>
#include <string>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::usecases {

// The VPN backends the process serves, by server kind name. Not owning; filled in app/ from the
// kind registry (src/vpn/kinds.cpp), before any use case runs.
class Backends {
 public:
  // Serves backend->kind() with `backend`, in place of the one serving it before.
  void Add(ports::VpnBackend* backend) { by_kind_[backend->kind()] = backend; }
  // kFailedPrecondition for a kind no backend serves (a server row written by a build with more
  // kinds, or a kind this process was not given).
  Result<ports::VpnBackend*> For(const ServerKind& kind) const {
    auto it = by_kind_.find(kind);
    if (it == by_kind_.end()) {
      return FailedPrecondition("no backend for server kind " + Quoted(kind));
    }
    return it->second;
  }

 private:
  std::map<ServerKind, ports::VpnBackend*> by_kind_;
};

}  // namespace vpnhub::usecases
