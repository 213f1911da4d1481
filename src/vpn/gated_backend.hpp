#pragma once
// A VpnBackend wrapper that bounds how many calls are in flight to one VPN server at once
// (per server id) and keeps a server that stopped answering from taking the callers' threads.
// Keeps a burst of tasks (a sweep revoking thousands of keys, several worker threads on one
// box) from flooding one small server while the others sit idle, and a hung server (SIGSTOP, a
// dead link that drops packets) from holding every worker thread while the others' keys wait.
// The calls that do no I/O pass straight through (ForwardingBackend). Thread-safe when the
// wrapped backend is.
//
// Per server:
// - Patience: how long a call may run before the server counts as slow to answer: four times
//   its usual call duration (a moving average of the calls that returned in time), within
//   min_patience..stall_after; first_patience until one call has returned.
// - At most `per_server_limit` calls in flight. A caller over the limit waits for a place while
//   the oldest call in flight is younger than the patience; past it, the caller gets
//   kUnavailable ("not answering ... the call was not made") at once. So a server that stops
//   answering holds at most `per_server_limit` callers' threads (the app keeps that below the
//   worker threads), and the others do not queue behind it.
// - A call that ran out of its deadline (kDeadlineExceeded) marks the server stalled; any other
//   result clears the mark (the server answered). While stalled, every call but Ping gets the
//   same kUnavailable at once, except one trial call at a time at most every `trial_every` (so a
//   process without the health job finds out when the server is back). Ping always goes through
//   (within the limit): the health job's probe is what clears the mark.
// The tasks of a stalled server are retried later with their backoff, as after a timeout.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "metrics/registry.hpp"
#include "vpn/forwarding_backend.hpp"

namespace vpnhub::vpn {

struct GateOptions {
  int per_server_limit = 4;  // >= 1
  std::chrono::milliseconds first_patience{100};
  std::chrono::milliseconds min_patience{50};
  std::chrono::milliseconds stall_after{1000};
  std::chrono::milliseconds trial_every{std::chrono::seconds(30)};
};

class GatedBackend final : public ForwardingBackend {
 public:
  // `inner` is not owned and must outlive this object.
  GatedBackend(ports::VpnBackend& inner, GateOptions options, metrics::Registry& registry);
  GatedBackend(ports::VpnBackend& inner, int per_server_limit, metrics::Registry& registry)
      : GatedBackend(inner, GateOptions{per_server_limit}, registry) {}

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
  // Whether the last call to `server_id` that ended ran out of its deadline (for tests).
  bool Stalled(Id server_id);

 private:
  using SteadyClock = std::chrono::steady_clock;
  class Slot;  // RAII: one call's place
  struct PerServer {
    std::multiset<SteadyClock::time_point> started;  // the calls in flight
    bool stalled = false;
    SteadyClock::time_point last_trial{};
    double usual_ms = -1;  // moving average of the calls that returned in time; -1: none yet
  };
  std::chrono::milliseconds Patience(const PerServer& s) const;
  // Runs `call` inside a slot, or returns the refusal.
  template <typename Call>
  auto Gate(const Server& server, bool probe, Call call) -> decltype(call());

  GateOptions options_;
  metrics::Counter& waits_;
  metrics::Counter& refused_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Id, PerServer> servers_;  // guarded by mu_
};

}  // namespace vpnhub::vpn
