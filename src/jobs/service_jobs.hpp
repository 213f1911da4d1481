#pragma once
// The scheduler role's jobs: expiry sweep, order expiry, readiness probe, store statistics for
// /metrics.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/capacity_watch.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/notices.hpp"
#include "core/usecases/retention.hpp"
#include "jobs/key_reconcile.hpp"
#include "jobs/periodic.hpp"
#include "jobs/server_health.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {

// Shared readiness state: written by the probe job, read by /readyz without I/O.
class Readiness {
 public:
  bool ready() const { return ready_.load(std::memory_order_relaxed); }
  std::string detail() const {
    std::lock_guard lock(mu_);
    return detail_;
  }
  void Set(bool ready, std::string detail) {
    std::lock_guard lock(mu_);
    ready_ = ready;
    detail_ = std::move(detail);
  }

 private:
  std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  std::string detail_ = "starting";
};

// The settings row the readiness probe rewrites every probe_interval (its value: the time, Unix
// ms): a write that fails makes the process not ready.
inline constexpr char kWriteProbeSetting[] = "readiness.write_probe";

struct ServiceJobsOptions {
  Duration sweep_interval{std::chrono::seconds(15)};
  Duration probe_interval{std::chrono::seconds(1)};
  Duration stats_interval{std::chrono::seconds(5)};
  Duration notice_interval{std::chrono::seconds(60)};
  bool run_sweep = true;  // the scheduler role
  // Several instances on one database: each scheduled job (sweep, notices) runs in the one
  // instance holding its lease (CoordinationStore::AcquireJobLease). The holder renews it every
  // run; when it dies another instance takes over once the lease has run out (at most job_lease
  // plus one interval). Must be longer than the job intervals (raised to twice the longest
  // otherwise).
  std::string instance_id = "vpnhub";  // unique per process, e.g. host:pid:random
  Duration job_lease{std::chrono::seconds(30)};
  // Another dependency for /readyz (NATS mode): (ready, detail), called by the probe job.
  std::function<std::pair<bool, std::string>()> extra_probe;
  // The retention purge (scheduler role; null = keep everything): every purge_interval, in the
  // one instance holding the "retention_purge" lease, batches until nothing old is left, for at
  // most a third of the lease per run, pausing purge_pause between batches so that other writers
  // get the database in between.
  usecases::RetentionPurge* purge = nullptr;
  Duration purge_interval{std::chrono::seconds(60)};
  Duration purge_pause{std::chrono::milliseconds(20)};
  // Unpaid orders past ORDER_TTL_SEC become expired (scheduler role; null = never): every
  // sweep_interval, in the one instance holding the "order_expiry" lease, batches of
  // order_expiry_batch until none is left.
  usecases::BillingService* billing = nullptr;
  int order_expiry_batch = 500;
  // The reconciliation of invoices over HTTP (scheduler role, with `billing`): every
  // reconcile_interval, in the one instance holding the "payment_reconcile" lease, up to
  // reconcile_batch due orders are asked of their provider (BillingService::ReconcileDue).
  Duration reconcile_interval{std::chrono::seconds(30)};
  int reconcile_batch = 20;
  // The server health job (scheduler role; null = servers are never probed): every
  // health_interval at a fixed rate (a round starts health_interval after the previous round
  // started, however long that one waited for its probes), in the one instance holding the
  // "server_health" lease, one ServerHealthJob::RunOnce. Stop() stops it for good
  // (ServerHealthJob::Stop).
  ServerHealthJob* health = nullptr;
  Duration health_interval{std::chrono::seconds(10)};
  // Capacity alerts (null = none): after each health round, in the same lease holder,
  // CapacityWatch::Check, and the gauges vpnhub_location_slots{location,kind=used|capacity}.
  usecases::CapacityWatch* capacity = nullptr;
  // The reconciliation of keys (scheduler role; null = never): every key_reconcile_interval, and
  // at once after ReconcileKeysNow, in the one instance holding the "reconcile" lease, one
  // KeyReconcileJob::RunOnce.
  KeyReconcileJob* key_reconcile = nullptr;
  Duration key_reconcile_interval{std::chrono::seconds(300)};
};

class ServiceJobs {
 public:
  // after_sweep runs when a sweep queued work (e.g. to wake the worker).
  // `notices` (optional): the expiry-notice job runs with the sweep (scheduler role).
  // after_sweep runs when a sweep or the notice job queued work (to wake the worker/sender).
  ServiceJobs(ports::Store& store, usecases::ExpirySweep& sweep, ports::EventLog& log,
              metrics::Registry& registry, Readiness& readiness, ServiceJobsOptions options,
              std::function<void()> after_sweep, usecases::ExpiryNotices* notices = nullptr);
  void Start();
  void Stop();

  // One sweep with its metrics and log line; public for tests and the CLI.
  void SweepOnce();
  // Ready when the store answers Ping and commits a one-row write (kWriteProbeSetting); the
  // detail says which failed and why.
  void ProbeOnce();
  // The gauges vpnhub_users, vpnhub_keys{state}, vpnhub_tasks{kind,state} from
  // HousekeepingStore::Stats (maintained counts and indexed counts, after folding the pending count
  // changes), and per server vpnhub_server_used_slots, vpnhub_server_capacity and
  // vpnhub_server_keys{server,state} (pending/active/revoking) from the servers and one grouped
  // query (HousekeepingStore::CountSlotKeysByServer). Scheduled in the scheduler role only:
  // workers and the other roles never run it.
  void RefreshStatsOnce();
  void NoticesOnce();
  // One run of the order expiry (see ServiceJobsOptions::billing), with its metric and log line.
  void ReconcileOnce();
  void ExpireOrdersOnce();
  // One run of the retention purge (see ServiceJobsOptions::purge), with its metrics and log.
  void PurgeOnce();
  // One round of the server health job (see ServiceJobsOptions::health) when this instance holds
  // its lease.
  void HealthOnce();
  // One capacity check (see ServiceJobsOptions::capacity) with its gauges; HealthOnce runs it.
  void CapacityOnce();
  // One run of the key reconciliation (see ServiceJobsOptions::key_reconcile) when this instance
  // holds its lease; the worker is woken afterwards (restore tasks may be queued).
  void ReconcileKeysOnce();
  // Makes the reconciliation job run now (after a run under way). Thread-safe; nothing when the
  // job does not run here.
  void ReconcileKeysNow();
  // Takes or renews the lease of `job` (for `ttl`, default job_lease); true when this instance
  // runs it now. Logs changes.
  bool Lead(const std::string& job);
  bool Lead(const std::string& job, Duration ttl);

 private:
  Status ProbeWrite();
  void SetServerGauges(const std::vector<Server>& servers,
                       const std::vector<ports::ServerKeyCount>& counts);

  ports::Store& store_;
  usecases::ExpirySweep& sweep_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  Readiness& readiness_;
  ServiceJobsOptions options_;
  std::function<void()> after_sweep_;
  usecases::ExpiryNotices* notices_;
  metrics::Histogram& sweep_duration_;
  metrics::Counter& sweep_expired_;
  metrics::Counter& sweep_errors_;
  metrics::Counter& orders_expired_;
  std::vector<std::unique_ptr<PeriodicJob>> jobs_;
  PeriodicJob* health_job_ = nullptr;  // in jobs_; its next wait shortened while in doubt
  std::mutex leases_mu_;
  std::map<std::string, bool> leading_;  // job -> held at its last run
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_: long runs (the purge) end early
  PeriodicJob* key_reconcile_job_ = nullptr;  // guarded by stop_mu_; one of jobs_
};

}  // namespace vpnhub::jobs
