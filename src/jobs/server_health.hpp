#pragma once
// The health job (scheduler role, one instance at a time through the "server_health" lease):
// probes every enabled server through its backend (ports::VpnBackend::Ping) and keeps `healthy`
// with hysteresis (core/rules.hpp ApplyProbe). An unhealthy server gets no new keys
// (ChooseServer). One admin alert per transition, throttled like every alert (RaiseAlert).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/rules.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/notices.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {

struct ServerHealthOptions {
  // A probe without an answer this long after it started counts as failed (the round goes on;
  // the probe keeps its slot until the backend call returns).
  Duration timeout{std::chrono::seconds(8)};
  int concurrency = 5;  // probes at once (probe threads), at least 1
  HealthThresholds thresholds;
  // Called (on the job's thread, after the commit) with a server that just became healthy again,
  // e.g. to reconcile it at once (KeyReconcileJob::Request); null: nobody.
  std::function<void(Id)> on_recovered;
};

// Thread notes: RunOnce from one thread at a time (the job's PeriodicJob, or a test); Stop from
// the controlling thread after the last RunOnce. Probes run on the job's own `concurrency`
// threads, never on an io_context thread.
class ServerHealthJob {
 public:
  // `alerts` may be null (no admin is told; transitions are still logged).
  ServerHealthJob(ports::Store& store, const usecases::Backends& backends,
                  const ports::Clock& clock, ports::EventLog& log, metrics::Registry& registry,
                  const usecases::AlertPolicy* alerts, ServerHealthOptions options);
  ~ServerHealthJob();  // Stop()s
  ServerHealthJob(const ServerHealthJob&) = delete;
  ServerHealthJob& operator=(const ServerHealthJob&) = delete;

  // One round: every enabled server is probed (at most `concurrency` at once) and its result
  // recorded (CatalogStore::RecordServerHealth). A server whose probe of an earlier round has
  // still not returned is counted as failed without a new probe, so a hung server holds one slot
  // however many rounds it hangs. A probe that could not start before the round ended (every
  // slot held by hung probes) is not counted, nor is the probe of a server disabled or removed
  // while the round ran. Returns how many servers changed health, or the store's error.
  Result<int> RunOnce();
  // Ends a round that waits for its probes (recording nothing of it) and joins the probe
  // threads: waits for probes still inside a backend call (each backend bounds its calls by its
  // own deadline). RunOnce does nothing afterwards. Safe to call twice.
  void Stop();
  // True when the last round left a server in doubt: healthy with failed probes in a row, or
  // unhealthy with answered probes in a row (neither threshold reached yet). The job then probes
  // again sooner than the interval (ServiceJobs), so a dead server leaves the pool, and a
  // recovered one returns, within the thresholds' probes at the quicker pace.
  bool InDoubt() const { return in_doubt_.load(); }

 private:
  struct Outcome {
    bool started = false;
    bool done = false;
    std::chrono::steady_clock::time_point started_at{};
    Status status;
    double seconds = 0;
  };
  struct Probe {
    Server server;
    std::shared_ptr<Outcome> outcome;
  };
  void ProbeLoop();
  // The steps of RunOnce.
  Result<std::vector<Server>> EnabledServers();
  bool QueueProbes(const std::vector<Server>& servers,
                   std::vector<std::shared_ptr<Outcome>>& outcomes, std::size_t& queued);
  bool AwaitRound(const std::vector<Server>& servers,
                  const std::vector<std::shared_ptr<Outcome>>& outcomes, std::size_t queued);
  bool CountProbe(const Server& server, const std::shared_ptr<Outcome>& outcome);
  Status Record(const Server& probed, bool ok, const std::string& error, bool& changed);

  ports::Store& store_;
  const usecases::Backends& backends_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  const usecases::AlertPolicy* alerts_;
  ServerHealthOptions options_;
  metrics::Counter& errors_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a probe queued, or stopping
  std::condition_variable done_cv_;  // a probe started or finished
  std::deque<Probe> queue_;
  std::set<Id> in_flight_;
  std::atomic<bool> in_doubt_{false};  // servers whose probe has not returned (of any round)
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vpnhub::jobs
