#include "jobs/service_jobs.hpp"

#include <algorithm>
#include <chrono>

namespace vpnhub::jobs {
namespace {

std::vector<double> SweepBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

ServiceJobs::ServiceJobs(ports::Store& store, usecases::ExpirySweep& sweep, ports::EventLog& log,
                         metrics::Registry& registry, Readiness& readiness,
                         ServiceJobsOptions options, std::function<void()> after_sweep,
                         usecases::ExpiryNotices* notices)
    : store_(store),
      sweep_(sweep),
      log_(log),
      registry_(registry),
      readiness_(readiness),
      options_(options),
      after_sweep_(std::move(after_sweep)),
      notices_(notices),
      sweep_duration_(registry.GetHistogram("vpnhub_sweep_duration_seconds",
                                            "Duration of one expiry sweep", SweepBuckets())),
      sweep_expired_(registry.GetCounter("vpnhub_sweep_keys_expired_total",
                                         "Keys moved to revoking by the expiry sweep")),
      sweep_errors_(registry.GetCounter("vpnhub_sweep_errors_total", "Expiry sweeps that failed")),
      orders_expired_(registry.GetCounter("vpnhub_orders_expired_total",
                                          "Unpaid orders moved to expired by the scheduler")) {
  if (options_.purge != nullptr) {
    // Known series start at zero, before the first purge.
    for (const char* table : {"tasks", "outgoing_messages"}) {
      registry_.GetCounter("vpnhub_retention_purged_rows_total",
                           "Settled rows deleted after RETENTION_DAYS, by table",
                           {{"table", table}});
    }
    registry_.GetCounter("vpnhub_retention_purge_errors_total", "Retention purge runs that failed");
  }
}

void ServiceJobs::Start() {
  // Leased jobs renew at every run: a lease shorter than a run interval would lapse in between.
  Duration longest = options_.sweep_interval;
  if (notices_ != nullptr) longest = std::max(longest, options_.notice_interval);
  if (options_.job_lease <= longest) options_.job_lease = 2 * longest;
  jobs_.push_back(
      std::make_unique<PeriodicJob>("readiness", options_.probe_interval, [this] { ProbeOnce(); }));
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = false;
  }
  if (options_.run_sweep) {
    jobs_.push_back(std::make_unique<PeriodicJob>("stats", options_.stats_interval,
                                                  [this] { RefreshStatsOnce(); }));
  }
  if (options_.run_sweep && options_.purge != nullptr) {
    jobs_.push_back(std::make_unique<PeriodicJob>("retention_purge", options_.purge_interval,
                                                  [this] { PurgeOnce(); }));
  }
  if (options_.run_sweep) {
    jobs_.push_back(std::make_unique<PeriodicJob>("expiry_sweep", options_.sweep_interval,
                                                  [this] { SweepOnce(); }));
  }
  if (options_.run_sweep && options_.billing != nullptr) {
    jobs_.push_back(std::make_unique<PeriodicJob>("order_expiry", options_.sweep_interval,
                                                  [this] { ExpireOrdersOnce(); }));
  }
  if (options_.run_sweep && options_.billing != nullptr) {
    jobs_.push_back(std::make_unique<PeriodicJob>("payment_reconcile", options_.reconcile_interval,
                                                  [this] { ReconcileOnce(); }));
  }
  if (options_.run_sweep && notices_ != nullptr) {
    jobs_.push_back(std::make_unique<PeriodicJob>("expiry_notices", options_.notice_interval,
                                                  [this] { NoticesOnce(); }));
  }
  if (options_.run_sweep && options_.health != nullptr) {
    // Fixed rate: a round waits up to SERVER_CHECK_TIMEOUT_SEC for a hung probe, and that wait
    // must not stretch the interval between probes (a dead server would leave the pool later).
    jobs_.push_back(std::make_unique<PeriodicJob>(
        "server_health", options_.health_interval, [this] { HealthOnce(); }, Cadence::kFixedRate));
    health_job_ = jobs_.back().get();
  }
  if (options_.run_sweep && options_.key_reconcile != nullptr) {
    jobs_.push_back(std::make_unique<PeriodicJob>("reconcile", options_.key_reconcile_interval,
                                                  [this] { ReconcileKeysOnce(); }));
    std::lock_guard lock(stop_mu_);
    key_reconcile_job_ = jobs_.back().get();
  }
  for (auto& j : jobs_) j->Start();
}

void ServiceJobs::ReconcileKeysOnce() {
  const Duration ttl = std::max(options_.job_lease, 2 * options_.key_reconcile_interval);
  if (options_.key_reconcile == nullptr || !Lead("reconcile", ttl)) return;
  auto done = options_.key_reconcile->RunOnce();  // errors are counted and logged by the job
  if (done.ok() && *done > 0 && after_sweep_) after_sweep_();
}

void ServiceJobs::ReconcileKeysNow() {
  std::lock_guard lock(stop_mu_);
  if (key_reconcile_job_ != nullptr && !stopping_) key_reconcile_job_->RunNow();
}

void ServiceJobs::HealthOnce() {
  // Its own lease length: the health interval must not lengthen the hand-over of the other jobs
  // (JOB_LEASE_SEC), yet a lease shorter than the interval would lapse between rounds.
  const Duration ttl = std::max(options_.job_lease, 2 * options_.health_interval);
  if (options_.health == nullptr || !Lead("server_health", ttl)) return;
  (void)options_.health->RunOnce();  // errors are counted and logged by the job
  // A server in doubt is probed again after a third of the interval (at least 1 s): with the
  // defaults (10 s, 3 failures, 8 s timeout) a dead server leaves the pool within about 25 s
  // instead of 3 full intervals plus the last probe's wait (34.7 s measured), and a recovered one
  // returns within about 14 s.
  if (options_.health->InDoubt() && health_job_ != nullptr) {
    health_job_->ShortenNextWait(
        std::max<Duration>(std::chrono::seconds(1), options_.health_interval / 3));
  }
  CapacityOnce();
}

void ServiceJobs::CapacityOnce() {
  if (options_.capacity == nullptr) return;
  auto loads = options_.capacity->Check();
  if (!loads.ok()) {
    log_.Warn("capacity.error", {{"error", loads.status().ToString()}});
    return;
  }
  for (const usecases::LocationLoad& load : *loads) {
    const char* help =
        "Slots of a location: used (by keys) and capacity (healthy, enabled servers)";
    registry_.GetGauge("vpnhub_location_slots", help, {{"location", load.name}, {"kind", "used"}})
        .Set(load.used);
    registry_
        .GetGauge("vpnhub_location_slots", help, {{"location", load.name}, {"kind", "capacity"}})
        .Set(load.capacity);
  }
}

void ServiceJobs::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  // A health round waiting for a hung probe ends at once (the probe threads are joined, each
  // within its backend's call deadline).
  if (options_.health != nullptr) options_.health->Stop();
  for (auto& j : jobs_) j->Stop();
  {
    std::lock_guard lock(stop_mu_);
    key_reconcile_job_ = nullptr;
  }
  jobs_.clear();
  // Hand the jobs over at once instead of making the others wait for the lease to run out.
  std::lock_guard lock(leases_mu_);
  for (auto& [job, held] : leading_) {
    if (!held) continue;
    const std::string name = job;
    Status st = store_.Write([&](ports::StoreTx& tx) {
      return tx.coordination().ReleaseJobLease(name, options_.instance_id);
    });
    if (!st.ok()) log_.Warn("jobs.lease_release_failed", {{"job", name}, {"error", st.ToString()}});
    held = false;
  }
}

bool ServiceJobs::Lead(const std::string& job) { return Lead(job, options_.job_lease); }

bool ServiceJobs::Lead(const std::string& job, Duration ttl) {
  const Time now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  bool held = false;
  Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r,
                            tx.coordination().AcquireJobLease(job, options_.instance_id, now, ttl));
    held = r;
    return Status::Ok();
  });
  if (!st.ok()) {
    log_.Warn("jobs.lease_error", {{"job", job}, {"error", st.ToString()}});
    held = false;
  }
  std::lock_guard lock(leases_mu_);
  bool& was = leading_[job];
  if (held != was) {
    log_.Info(held ? "jobs.lease_taken" : "jobs.lease_lost",
              {{"job", job}, {"instance", options_.instance_id}});
  }
  was = held;
  registry_
      .GetGauge("vpnhub_job_leader", "1 when this instance runs the scheduled job", {{"job", job}})
      .Set(held ? 1.0 : 0.0);
  return held;
}

void ServiceJobs::SweepOnce() {
  if (!Lead("expiry_sweep")) return;
  auto start = std::chrono::steady_clock::now();
  auto result = sweep_.Run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sweep_duration_.Observe(secs);
  if (!result.ok()) {
    sweep_errors_.Inc();
    log_.Error("sweep.error", {{"error", result.status().ToString()}});
    return;
  }
  if (result->keys_expired > 0) {
    sweep_expired_.Inc(result->keys_expired);
    log_.Info("sweep.done", {{"keys_expired", result->keys_expired}, {"seconds", secs}});
    if (after_sweep_) after_sweep_();
  }
}

void ServiceJobs::NoticesOnce() {
  if (!Lead("expiry_notices")) return;
  auto result = notices_->Run();
  if (!result.ok()) {
    log_.Error("notices.error", {{"error", result.status().ToString()}});
    return;
  }
  if (*result > 0) {
    log_.Info("notices.done", {{"keys", *result}});
    if (after_sweep_) after_sweep_();
  }
}

void ServiceJobs::ReconcileOnce() {
  // Its own lease, like the purge: a slow reconcile interval must not slow the sweep's failover.
  if (options_.billing == nullptr ||
      !Lead("payment_reconcile", std::max(options_.job_lease, 2 * options_.reconcile_interval))) {
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  auto run = options_.billing->ReconcileDue(options_.reconcile_batch);
  if (!run.ok()) {
    log_.Error("payments.reconcile_error", {{"error", run.status().ToString()}});
    return;
  }
  bool credited = false;
  for (const auto& asked : run->asked) {
    registry_
        .GetCounter("vpnhub_payment_reconciled_total",
                    "Invoices the reconciliation job asked their provider about, by outcome "
                    "(credited: a payment whose webhook never came)",
                    {{"provider", asked.provider}, {"outcome", asked.outcome}})
        .Inc();
    credited = credited || asked.outcome == "credited";
    const bool notable = asked.outcome != "pending";
    if (notable) {
      log_.Info("payments.reconciled", {{"provider", asked.provider},
                                        {"order", asked.order_id},
                                        {"outcome", asked.outcome},
                                        {"detail", asked.detail}});
    }
  }
  if (!run->asked.empty()) {
    registry_
        .GetHistogram("vpnhub_payment_reconcile_duration_seconds",
                      "How long one run of the reconciliation job took", metrics::LatencyBuckets())
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (credited && after_sweep_) after_sweep_();
}

void ServiceJobs::ExpireOrdersOnce() {
  if (options_.billing == nullptr || !Lead("order_expiry")) return;
  int total = 0;
  for (;;) {
    auto n = options_.billing->ExpireOrders(options_.order_expiry_batch);
    if (!n.ok()) {
      log_.Error("orders.expire_error", {{"error", n.status().ToString()}});
      break;
    }
    total += *n;
    orders_expired_.Inc(*n);
    if (*n < options_.order_expiry_batch) break;
    std::lock_guard lock(stop_mu_);
    if (stopping_) break;
  }
  if (total > 0) log_.Info("orders.expired", {{"orders", total}});
}

void ServiceJobs::ProbeOnce() {
  Status st = store_.Ping();
  bool ready = st.ok();
  std::string detail = st.ok() ? "ok" : "database: " + st.ToString();
  if (ready) {
    // Reachable is not enough: a full disk or a broken table fails every write while reads and
    // the ping go on.
    if (Status write = ProbeWrite(); !write.ok()) {
      ready = false;
      detail = "database writes fail: " + write.ToString();
    }
  }
  if (options_.extra_probe) {
    auto [extra_ready, extra_detail] = options_.extra_probe();
    if (!extra_ready) {
      detail = ready ? extra_detail : detail + "; " + extra_detail;
      ready = false;
    } else if (ready) {
      detail += "; " + extra_detail;
    }
  }
  bool was = readiness_.ready();
  readiness_.Set(ready, detail);
  if (was != ready) {
    if (ready) {
      log_.Info("readiness.ready");
    } else {
      log_.Error("readiness.not_ready", {{"error", detail}});
    }
  }
}

Status ServiceJobs::ProbeWrite() {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return store_.Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutSetting(kWriteProbeSetting, std::to_string(now_ms));
  });
}

void ServiceJobs::PurgeOnce() {
  // Its own lease length: the purge runs less often than the other jobs, and a longer interval
  // must not stretch their hand-over time.
  const Duration ttl = std::max(options_.job_lease, 2 * options_.purge_interval);
  if (!Lead("retention_purge", ttl)) return;
  const auto start = std::chrono::steady_clock::now();
  const auto budget = ttl / 3;
  std::int64_t tasks = 0;
  std::int64_t messages = 0;
  Status error;
  for (;;) {
    auto step = options_.purge->Step();
    if (!step.ok()) {
      error = step.status();
      break;
    }
    tasks += step->tasks;
    messages += step->messages;
    registry_
        .GetCounter("vpnhub_retention_purged_rows_total",
                    "Settled rows deleted after RETENTION_DAYS, by table", {{"table", "tasks"}})
        .Inc(static_cast<double>(step->tasks));
    registry_
        .GetCounter("vpnhub_retention_purged_rows_total",
                    "Settled rows deleted after RETENTION_DAYS, by table",
                    {{"table", "outgoing_messages"}})
        .Inc(static_cast<double>(step->messages));
    if (!step->more || std::chrono::steady_clock::now() - start > budget) break;
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, options_.purge_pause, [this] { return stopping_; })) break;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!error.ok()) {
    registry_.GetCounter("vpnhub_retention_purge_errors_total", "Retention purge runs that failed")
        .Inc();
    log_.Error("retention.error",
               {{"error", error.ToString()}, {"tasks", tasks}, {"messages", messages}});
  } else if (tasks > 0 || messages > 0) {
    log_.Info("retention.purged", {{"tasks", tasks}, {"messages", messages}, {"seconds", secs}});
  }
}

void ServiceJobs::RefreshStatsOnce() {
  // Folding first keeps the count changes Stats has to add up to those of one interval.
  Status fold = store_.Write(ports::WriteKind::kQueue, [](ports::StoreTx& tx) {
    return tx.housekeeping().FoldStatCounters();
  });
  if (!fold.ok()) log_.Warn("stats.fold_error", {{"error", fold.ToString()}});
  ports::StoreStats stats;
  std::vector<Server> servers;
  std::vector<ports::ServerKeyCount> server_keys;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.housekeeping().Stats());
    stats = std::move(r);
    VPNHUB_ASSIGN_OR_RETURN(servers, tx.catalog().ListServers(std::nullopt));
    VPNHUB_ASSIGN_OR_RETURN(server_keys, tx.housekeeping().CountSlotKeysByServer());
    return Status::Ok();
  });
  if (!st.ok()) {
    log_.Warn("stats.error", {{"error", st.ToString()}});
    return;
  }
  registry_.GetGauge("vpnhub_users", "Registered users").Set(static_cast<double>(stats.users));
  for (auto s : {KeyState::kPending, KeyState::kActive, KeyState::kRevoking, KeyState::kRevoked,
                 KeyState::kFailed}) {
    auto it = stats.keys_by_state.find(s);
    registry_.GetGauge("vpnhub_keys", "Keys by state", {{"state", KeyStateName(s)}})
        .Set(it == stats.keys_by_state.end() ? 0.0 : static_cast<double>(it->second));
  }
  for (auto k : AllTaskKinds()) {
    for (auto s : {TaskState::kPending, TaskState::kRunning, TaskState::kFailed}) {
      auto it = stats.tasks.find({k, s});
      registry_
          .GetGauge("vpnhub_tasks", "Outbox tasks not done, by kind and state",
                    {{"kind", TaskKindName(k)}, {"state", TaskStateName(s)}})
          .Set(it == stats.tasks.end() ? 0.0 : static_cast<double>(it->second));
    }
  }
  SetServerGauges(servers, server_keys);
}

void ServiceJobs::SetServerGauges(const std::vector<Server>& servers,
                                  const std::vector<ports::ServerKeyCount>& counts) {
  std::map<std::pair<Id, KeyState>, std::int64_t> by_server;
  for (const auto& c : counts) by_server[{c.server_id, c.state}] = c.keys;
  for (const Server& s : servers) {
    const metrics::Labels server = {{"server", s.name}};
    registry_
        .GetGauge("vpnhub_server_used_slots",
                  "Slots of the server held by keys (pending, active, revoking)", server)
        .Set(s.used_slots);
    registry_.GetGauge("vpnhub_server_capacity", "Slots the server has for keys", server)
        .Set(s.capacity);
    // Every slot-holding state, zero included, so a state that empties reads 0, not its last
    // value.
    for (auto state : {KeyState::kPending, KeyState::kActive, KeyState::kRevoking}) {
      auto it = by_server.find({s.id, state});
      registry_
          .GetGauge("vpnhub_server_keys", "Keys holding a slot of the server, by state",
                    {{"server", s.name}, {"state", KeyStateName(state)}})
          .Set(it == by_server.end() ? 0.0 : static_cast<double>(it->second));
    }
  }
}

}  // namespace vpnhub::jobs
