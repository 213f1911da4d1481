#pragma once
// A VpnBackend wrapper that bounds how many calls are in flight to one VPN server at once
// (per server id): a caller over the limit waits for a slot. Every call of a backend has a
// deadline, so waits are bounded too. Keeps a burst of tasks (a sweep revoking thousands of
// keys, several worker threads or processes' threads on one box) from flooding one small
// server while the others sit idle. ValidateSettings, KeyPorts, NewSecret and Delivery do no I/O
// and pass straight through. Thread-safe when the wrapped backend is.
#include <condition_variable>
#include <map>
#include <mutex>

#include "core/ports/vpn_backend.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::vpn {

class GatedBackend : public ports::VpnBackend {
 public:
  // `inner` is not owned and must outlive this object. limit >= 1.
  GatedBackend(ports::VpnBackend& inner, int per_server_limit, metrics::Registry& registry);

  ServerKind kind() const override { return inner_.kind(); }
  Status ValidateSettings(const Server& server) const override {
    return inner_.ValidateSettings(server);
  }
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override {
    return inner_.KeyPorts(server);
  }
  Status CreateKey(const Server& server, const Key& key) override;
  Status DeleteKey(const Server& server, const Key& key) override;
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  Status Ping(const Server& server) override;
  std::string NewSecret(ports::SecretSource& secrets) const override {
    return inner_.NewSecret(secrets);
  }
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override {
    return inner_.Delivery(server, key, name);
  }

  // Calls in flight to `server_id` now (for tests).
  int InFlight(Id server_id);

 private:
  class Slot;  // RAII: one call's place

  int limit_;
  ports::VpnBackend& inner_;
  metrics::Counter& waits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Id, int> in_flight_;  // guarded by mu_
};

}  // namespace vpnhub::vpn
