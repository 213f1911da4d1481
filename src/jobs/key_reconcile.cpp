#include "jobs/key_reconcile.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace vpnhub::jobs {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr char kDriftName[] = "vpnhub_reconcile_drift_total";
constexpr char kDriftHelp[] =
    "Keys the reconciliation found drifted from the database, by server and kind "
    "(missing, orphan, mismatch)";
constexpr char kRepairsName[] = "vpnhub_reconcile_repairs_total";
constexpr char kRepairsHelp[] =
    "Drift the reconciliation repaired (restore task queued, orphan removed), by server and kind";

constexpr usecases::DriftKind kKinds[] = {
    usecases::DriftKind::kMissing, usecases::DriftKind::kOrphan, usecases::DriftKind::kMismatch};

}  // namespace

KeyReconcileJob::KeyReconcileJob(ports::Store& store, const usecases::Backends& backends,
                                 const ports::Clock& clock, ports::EventLog& log,
                                 metrics::Registry& registry, const usecases::AlertPolicy* alerts,
                                 KeyReconcileOptions options)
    : store_(store),
      clock_(clock),
      log_(log),
      registry_(registry),
      alerts_(alerts),
      options_(options),
      reconciler_(store, backends, clock),
      errors_(registry.GetCounter("vpnhub_reconcile_errors_total",
                                  "Servers the reconciliation could not list or compare")),
      duration_(registry.GetHistogram("vpnhub_reconcile_duration_seconds",
                                      "How long the reconciliation of one server took",
                                      metrics::LatencyBuckets())) {}

void KeyReconcileJob::Request(Id server_id) {
  std::lock_guard lock(mu_);
  requested_.insert(server_id);
}

Result<int> KeyReconcileJob::RunOnce() {
  // The requests first, the servers after: a request is made once its server was marked healthy,
  // so every request taken here sees its server healthy below; one made after this read waits
  // for the next run (the health job asks for it at once).
  std::set<Id> requested;
  {
    std::lock_guard lock(mu_);
    requested.swap(requested_);
  }
  std::vector<Server> servers;
  Status read = store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(servers, tx.catalog().ListServers(std::nullopt));
    return Status::Ok();
  });
  if (!read.ok()) {
    errors_.Inc();
    log_.Warn("reconcile.read_failed", {{"error", read.ToString()}});
    std::lock_guard lock(mu_);
    requested_.insert(requested.begin(), requested.end());  // asked for still
    return read;
  }
  const Time now = clock_.Now();
  const bool full = !last_full_ || now - *last_full_ >= options_.interval;
  if (full) last_full_ = now;
  // Every server's series exist from its first run at 0, so that rate() has them at once.
  for (const Server& s : servers) {
    for (auto kind : kKinds) {
      const metrics::Labels labels = {{"server", s.name}, {"kind", usecases::DriftKindName(kind)}};
      registry_.GetCounter(kDriftName, kDriftHelp, labels);
      registry_.GetCounter(kRepairsName, kRepairsHelp, labels);
    }
  }
  // The servers asked for first: a recovered server's keys wait for this.
  std::stable_partition(servers.begin(), servers.end(),
                        [&](const Server& s) { return requested.count(s.id) > 0; });
  int done = 0;
  for (const Server& s : servers) {
    if (!full && requested.count(s.id) == 0) continue;
    if (!s.enabled || !s.healthy) continue;
    Reconcile(s);
    ++done;
  }
  return done;
}

void KeyReconcileJob::Reconcile(const Server& server) {
  const auto t0 = SteadyClock::now();
  usecases::ReconcileOptions ro;
  ro.page_size = options_.page_size;
  auto report = reconciler_.Run(server.id, ro, [&](const usecases::Drift& d) {
    log_.Info("reconcile.drift", {{"server", server.name},
                                  {"server_id", server.id},
                                  {"kind", usecases::DriftKindName(d.kind)},
                                  {"key_id", d.key_id},
                                  {"remote_id", d.remote_id},
                                  {"action", d.action}});
  });
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  if (!report.ok()) {
    errors_.Inc();
    log_.Warn(
        "reconcile.failed",
        {{"server", server.name}, {"server_id", server.id}, {"error", report.status().ToString()}});
    return;
  }
  if (report->unsupported) return;
  Count(server, *report, seconds);
  if (report->drift() > options_.alert_threshold) Alert(server, *report);
}

void KeyReconcileJob::Count(const Server& server, const usecases::ReconcileReport& r,
                            double seconds) {
  duration_.Observe(seconds);
  const std::pair<usecases::DriftKind, std::pair<int, int>> rows[] = {
      {usecases::DriftKind::kMissing, {r.missing, r.missing_repaired}},
      {usecases::DriftKind::kOrphan, {r.orphans, r.orphans_removed}},
      {usecases::DriftKind::kMismatch, {r.mismatches, r.mismatches_repaired}}};
  for (const auto& [kind, counts] : rows) {
    const metrics::Labels labels = {{"server", server.name},
                                    {"kind", usecases::DriftKindName(kind)}};
    if (counts.first > 0) registry_.GetCounter(kDriftName, kDriftHelp, labels).Inc(counts.first);
    if (counts.second > 0) {
      registry_.GetCounter(kRepairsName, kRepairsHelp, labels).Inc(counts.second);
    }
  }
  log_.Info("reconcile.server", {{"server", server.name},
                                 {"server_id", server.id},
                                 {"remote_keys", r.remote_keys},
                                 {"checked_keys", r.checked_keys},
                                 {"missing", r.missing},
                                 {"orphans", r.orphans},
                                 {"mismatches", r.mismatches},
                                 {"repairs", r.repairs()},
                                 {"failed_repairs", r.failed_repairs},
                                 {"seconds", seconds}});
}

void KeyReconcileJob::Alert(const Server& server, const usecases::ReconcileReport& r) {
  if (alerts_ == nullptr) return;
  const std::string text =
      "Server " + server.name + " (#" + std::to_string(server.id) +
      ") drifted from the database "
      "by " +
      std::to_string(r.drift()) + " keys (" + std::to_string(r.missing) + " missing, " +
      std::to_string(r.orphans) + " orphan, " + std::to_string(r.mismatches) +
      " mismatched), more than " + std::to_string(options_.alert_threshold) +
      ": something else may be managing it. The hub repairs what it finds; see `vpnhub server "
      "reconcile " +
      std::to_string(server.id) +
      " --dry-run` and mark keys that are not the "
      "hub's with `vpnhub server edit " +
      std::to_string(server.id) + " --foreign REMOTE_ID`.";
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto raised = usecases::RaiseAlert(tx, *alerts_, "reconcile_drift:" + std::to_string(server.id),
                                       text, clock_.Now());
    return raised.ok() ? Status::Ok() : raised.status();
  });
  if (!st.ok()) {
    log_.Warn("reconcile.alert_failed",
              {{"server", server.name}, {"server_id", server.id}, {"error", st.ToString()}});
  }
}

}  // namespace vpnhub::jobs
