#pragma once
#include <map>
#include <string>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"

namespace vpnhub::usecases {

// The VPN backends the process knows, by server kind. Not owning; wired in app/.
class Backends {
 public:
  void Add(ports::VpnBackend* backend) { by_kind_[backend->kind()] = backend; }
  Result<ports::VpnBackend*> For(ServerKind kind) const {
    auto it = by_kind_.find(kind);
    if (it == by_kind_.end()) {
      return FailedPrecondition(std::string("no backend for server kind ") + ServerKindName(kind));
    }
    return it->second;
  }

 private:
  std::map<ServerKind, ports::VpnBackend*> by_kind_;
};

}  // namespace vpnhub::usecases
