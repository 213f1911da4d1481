#include "jobs/server_health.hpp"

#include <algorithm>
#include <utility>

namespace vpnhub::jobs {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A probe's error as it goes into an alert and the log: one line, bounded. Backends' errors name
// the server and what failed, never a credential.
std::string Reason(const std::string& error) {
  std::string out = error.substr(0, 300);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

ServerHealthJob::ServerHealthJob(ports::Store& store, const usecases::Backends& backends,
                                 const ports::Clock& clock, ports::EventLog& log,
                                 metrics::Registry& registry, const usecases::AlertPolicy* alerts,
                                 ServerHealthOptions options)
    : store_(store),
      backends_(backends),
      clock_(clock),
      log_(log),
      registry_(registry),
      alerts_(alerts),
      options_(options),
      errors_(registry.GetCounter("vpnhub_server_health_errors_total",
                                  "Health job rounds that could not read or record the servers")) {
  options_.concurrency = std::max(1, options_.concurrency);
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { ProbeLoop(); });
}

ServerHealthJob::~ServerHealthJob() { Stop(); }

void ServerHealthJob::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  done_cv_.notify_all();  // a round waiting for its probes ends now, recording nothing
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ServerHealthJob::ProbeLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Probe probe = std::move(queue_.front());
    queue_.pop_front();
    probe.outcome->started = true;
    probe.outcome->started_at = SteadyClock::now();
    done_cv_.notify_all();
    lock.unlock();
    Status st;
    auto backend = backends_.For(probe.server.kind);
    const auto t0 = SteadyClock::now();
    st = backend.ok() ? (*backend)->Ping(probe.server) : backend.status();
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    lock.lock();
    probe.outcome->done = true;
    probe.outcome->status = std::move(st);
    probe.outcome->seconds = seconds;
    in_flight_.erase(probe.server.id);
    done_cv_.notify_all();
  }
}

Result<int> ServerHealthJob::RunOnce() {
  VPNHUB_ASSIGN_OR_RETURN(std::vector<Server> servers, EnabledServers());
  std::size_t queued = 0;
  std::vector<std::shared_ptr<Outcome>> outcomes;
  if (!QueueProbes(servers, outcomes, queued)) return 0;
  if (!AwaitRound(servers, outcomes, queued)) return 0;
  int changed = 0;
  in_doubt_ = false;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (CountProbe(servers[i], outcomes[i])) ++changed;
  }
  return changed;
}

Result<std::vector<Server>> ServerHealthJob::EnabledServers() {
  std::vector<Server> servers;
  Status read = store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(servers, tx.catalog().ListServers(std::nullopt));
    return Status::Ok();
  });
  if (!read.ok()) {
    errors_.Inc();
    log_.Warn("server_health.read_failed", {{"error", read.ToString()}});
    return read;
  }
  servers.erase(
      std::remove_if(servers.begin(), servers.end(), [](const Server& s) { return !s.enabled; }),
      servers.end());
  return servers;
}

// Queues a probe per server, except for those whose earlier probe still hangs (their outcome
// stays null). False when the job is stopping.
bool ServerHealthJob::QueueProbes(const std::vector<Server>& servers,
                                  std::vector<std::shared_ptr<Outcome>>& outcomes,
                                  std::size_t& queued) {
  outcomes.assign(servers.size(), nullptr);
  queued = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (in_flight_.count(servers[i].id) > 0) continue;
      outcomes[i] = std::make_shared<Outcome>();
      in_flight_.insert(servers[i].id);
      queue_.push_back({servers[i], outcomes[i]});
      ++queued;
    }
  }
  work_cv_.notify_all();
  return true;
}

// Waits until every probe answered or ran out of time. Probes behind others start when a slot
// frees up; the round ends at the latest when every queued probe could have had its turn. False
// when the job is stopping (an unfinished probe then says nothing about its server).
bool ServerHealthJob::AwaitRound(const std::vector<Server>& servers,
                                 const std::vector<std::shared_ptr<Outcome>>& outcomes,
                                 std::size_t queued) {
  const auto timeout = options_.timeout;
  const std::size_t waves = (queued + options_.concurrency - 1) / options_.concurrency;
  const auto round_end = SteadyClock::now() + timeout * static_cast<long>(waves + 1);
  {
    std::unique_lock lock(mu_);
    for (;;) {
      const auto now = SteadyClock::now();
      bool pending = false;
      auto wake = round_end;
      for (const auto& o : outcomes) {
        if (!o || o->done) continue;
        if (!o->started) {
          pending = true;
          continue;
        }
        const auto due = o->started_at + timeout;
        if (now < due) {
          pending = true;
          wake = std::min(wake, due);
        }
      }
      if (!pending || now >= round_end || stopping_) break;
      done_cv_.wait_until(lock, wake);
    }
    // Probes that never started are taken back (not counted this round).
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const auto& o = outcomes[i];
      if (!o || o->started) continue;
      queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                  [&](const Probe& p) { return p.outcome == o; }),
                   queue_.end());
      in_flight_.erase(servers[i].id);
    }
    return !stopping_;
  }
}

// Counts one server's probe of this round in (a server whose probe never got a slot is skipped);
// true when its health changed.
bool ServerHealthJob::CountProbe(const Server& s, const std::shared_ptr<Outcome>& o) {
  const auto timeout = options_.timeout;
  bool ok = false;
  std::string error;
  double seconds = -1;
  {
    std::lock_guard lock(mu_);
    if (!o) {
      error = "the previous probe has not returned (longer than " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
              " s)";
    } else if (!o->started) {
      return false;  // no free slot this round
    } else if (!o->done) {
      error =
          "no answer within " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
          " ms";
    } else {
      ok = o->status.ok();
      if (!ok) error = o->status.ToString();
      seconds = o->seconds;
    }
  }
  const metrics::Labels labels = {{"server", s.name}};
  if (seconds >= 0) {
    registry_.GetGauge("vpnhub_server_probe_seconds", "Duration of the last health probe", labels)
        .Set(seconds);
  }
  bool flipped = false;
  Status st = Record(s, ok, Reason(error), flipped);
  if (!st.ok()) {
    errors_.Inc();
    log_.Warn("server_health.record_failed",
              {{"server", s.name}, {"server_id", s.id}, {"error", st.ToString()}});
    return false;
  }
  return flipped;
}

// In one transaction: the server's counts as stored now, the probe counted in, and on a
// transition the admin alert.
Status ServerHealthJob::Record(const Server& probed, bool ok, const std::string& error,
                               bool& changed) {
  Server after;
  std::string alert_text;
  bool out_of_service = false;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(Server s, tx.catalog().GetServerToCall(probed.id));
    // Disabled (or removed, which disables it) since the round listed it: no longer probed, so
    // this probe is not counted either (no health change, no alert about a server taken out).
    out_of_service = !s.enabled;
    changed = false;
    if (out_of_service) return Status::Ok();
    const Time now = clock_.Now();
    changed = ApplyProbe(s, ok, now, options_.thresholds);
    VPNHUB_RETURN_IF_ERROR(tx.catalog().RecordServerHealth(s));
    after = s;
    if (s.healthy ? s.consecutive_failures > 0 : s.consecutive_successes > 0) in_doubt_ = true;
    if (!changed || alerts_ == nullptr) return Status::Ok();
    const std::string who = "Server " + s.name + " (#" + std::to_string(s.id) + ")";
    const std::string text =
        s.healthy ? who + " is healthy again after " + std::to_string(s.consecutive_successes) +
                        " probes in a row answered; it takes new keys again."
                  : who + " is unhealthy after " + std::to_string(s.consecutive_failures) +
                        " probes in a row failed (last: " + error +
                        "). It gets no new keys until it answers again; its keys stay where they "
                        "are.";
    auto r = usecases::RaiseAlert(
        tx, *alerts_, "server_health:" + std::to_string(s.id) + (s.healthy ? ":up" : ":down"), text,
        now);
    return r.ok() ? Status::Ok() : r.status();
  });
  if (!st.ok()) {
    changed = false;
    return st;
  }
  if (out_of_service) return Status::Ok();
  const metrics::Labels labels = {{"server", after.name}};
  registry_.GetGauge("vpnhub_server_up", "1 when the server counts as healthy, else 0", labels)
      .Set(after.healthy ? 1 : 0);
  registry_
      .GetGauge("vpnhub_server_consecutive_failures",
                "Health probes in a row that failed, for the server", labels)
      .Set(after.consecutive_failures);
  if (changed) {
    if (after.healthy && options_.on_recovered) options_.on_recovered(after.id);
    if (after.healthy) {
      log_.Info("server.healthy", {{"server", after.name},
                                   {"server_id", after.id},
                                   {"successes", after.consecutive_successes}});
    } else {
      log_.Warn("server.unhealthy", {{"server", after.name},
                                     {"server_id", after.id},
                                     {"failures", after.consecutive_failures},
                                     {"error", error}});
    }
  }
  return Status::Ok();
}

}  // namespace vpnhub::jobs
