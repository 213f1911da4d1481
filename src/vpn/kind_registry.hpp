#pragma once
// The VPN server kinds this build serves, by name (one KindSpec per folder under src/vpn/,
// registered in src/vpn/kinds.cpp).
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "metrics/registry.hpp"
#include "vpn/backend_stack.hpp"
#include "vpn/kind.hpp"

namespace vpnhub::vpn {

// Filled once at start, then only read: reads are thread-safe, Register is not.
class KindRegistry {
 public:
  // Adds a kind. kAlreadyExists when its name is registered already; kInvalidArgument when the
  // name is not spelled as ParseServerKind wants, make_backend is missing, or a flag has no
  // apply function, is not spelled "--name" (a-z, 0-9, '-') or repeats another flag of the kind.
  Status Register(KindSpec spec);
  // The kind called `name`. kNotFound for any other name: `unknown server kind "NAME"
  // (supported: shadowsocks, ...)`.
  Result<const KindSpec*> Find(const std::string& name) const;
  // Every kind, in registration order. The first is the default kind of `server add`.
  // Pointers stay valid for the registry's life.
  std::vector<const KindSpec*> kinds() const;
  // "shadowsocks, wireguard": the names in registration order.
  std::string Names() const;

  // One BackendStack (the kind's adapter, metered, gated) per kind, in registration order.
  // `metrics` must outlive the stacks. kInternal when a kind's make_backend gives no backend or
  // one whose kind() is not the kind's name (it would serve the wrong servers).
  Result<std::vector<std::unique_ptr<BackendStack>>> MakeBackends(const BackendOptions& options,
                                                                  metrics::Registry& metrics) const;

 private:
  std::vector<std::unique_ptr<const KindSpec>> kinds_;
};

}  // namespace vpnhub::vpn
