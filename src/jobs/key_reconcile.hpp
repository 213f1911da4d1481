#pragma once
// The reconciliation job (scheduler role, one instance at a time through the "reconcile" lease,
// run by ServiceJobs): every RECONCILE_INTERVAL_SEC every healthy enabled server is reconciled
// (core/usecases/reconcile.hpp), and a server the health job saw come back (Request) is
// reconciled at the job's next run, which the health job asks for at once. Counts drift and
// repairs per server and kind, and alerts the admins (throttled, RaiseAlert) when one server
// drifted by more than alert_threshold keys: something else manages it.
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/notices.hpp"
#include "core/usecases/reconcile.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {

struct KeyReconcileOptions {
  Duration interval{std::chrono::seconds(300)};  // between two passes over every server
  int alert_threshold = 20;  // drift on one server above this many keys alerts the admins
  int page_size = 500;       // database keys per read
};

// Thread notes: RunOnce from one thread at a time (the job's PeriodicJob, or a test); Request
// from any thread.
class KeyReconcileJob {
 public:
  // `alerts` may be null (drift is logged and counted, no admin is told).
  KeyReconcileJob(ports::Store& store, const usecases::Backends& backends,
                  const ports::Clock& clock, ports::EventLog& log, metrics::Registry& registry,
                  const usecases::AlertPolicy* alerts, KeyReconcileOptions options);

  // Asks for a reconciliation of `server_id` at the next RunOnce (the health job, when the
  // server became healthy again: a restarted ss-manager has forgotten every key).
  void Request(Id server_id);
  // One run: the servers asked for, then, when `interval` has passed since the last full pass
  // (by the clock; the first run is one), every other healthy enabled server. A server that is
  // disabled or unhealthy is skipped (a request for it is dropped: its recovery asks again).
  // Returns how many servers were reconciled, or the store's error listing the servers (a
  // server that fails is logged and counted; the others go on).
  Result<int> RunOnce();

 private:
  void Reconcile(const Server& server);
  void Count(const Server& server, const usecases::ReconcileReport& report, double seconds);
  void Alert(const Server& server, const usecases::ReconcileReport& report);

  ports::Store& store_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  const usecases::AlertPolicy* alerts_;
  KeyReconcileOptions options_;
  usecases::Reconciler reconciler_;
  metrics::Counter& errors_;
  metrics::Histogram& duration_;
  std::optional<Time> last_full_;
  std::mutex mu_;
  std::set<Id> requested_;
};

}  // namespace vpnhub::jobs
