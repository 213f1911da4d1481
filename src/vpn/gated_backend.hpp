#pragma once
// A VpnBackend wrapper that bounds how many calls are in flight to one VPN server at once
// (per server id): a caller over the limit waits for a slot. Every call of a backend has a
// deadline, so waits are bounded too. Keeps a burst of tasks (a sweep revoking thousands of
// keys, several worker threads or processes' threads on one box) from flooding one small
// server while the others sit idle. The calls that do no I/O pass straight through
// (ForwardingBackend). Thread-safe when the wrapped backend is.
#include <condition_variable>
#include <map>
#include <mutex>

#include "metrics/registry.hpp"
#include "vpn/forwarding_backend.hpp"

namespace vpnhub::vpn {

class GatedBackend final : public ForwardingBackend {
 public:
  // `inner` is not owned and must outlive this object. limit >= 1.
  GatedBackend(ports::VpnBackend& inner, int per_server_limit, metrics::Registry& registry);

  Status CreateKey(const Server& server, const Key& key) override;
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  Status UpdateKey(const Server& server, const Key& key) override;
  Status DeleteKey(const Server& server, const Key& key) override;
  Status DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) override;
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  Status Ping(const Server& server) override;
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;

  // Calls in flight to `server_id` now (for tests).
  int InFlight(Id server_id);

 private:
  class Slot;  // RAII: one call's place

  int limit_;
  metrics::Counter& waits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Id, int> in_flight_;  // guarded by mu_
};

}  // namespace vpnhub::vpn
