#include "jobs/leadership.hpp"

#include <algorithm>

namespace vpnhub::jobs {

Leadership::Leadership(ports::Store& store, const ports::Clock& clock, ports::EventLog& log,
                       metrics::Registry& registry, LeadershipOptions options,
                       std::function<Status()> on_gain, std::function<void()> on_loss)
    : store_(store),
      clock_(clock),
      log_(log),
      gauge_(registry.GetGauge("vpnhub_job_leader", "1 when this instance runs the scheduled job",
                               {{"job", options.job}})),
      options_(std::move(options)),
      on_gain_(std::move(on_gain)),
      on_loss_(std::move(on_loss)) {
  options_.renew_every =
      std::clamp(options_.renew_every, Duration(1), std::max(Duration(1), options_.ttl / 3));
  gauge_.Set(0);
}

Leadership::~Leadership() { Stop(); }

Status Leadership::Start() {
  if (rounds_ != nullptr) return FailedPrecondition("leadership of " + options_.job + " running");
  const Status first = RunOnce();
  rounds_ = std::make_unique<PeriodicJob>("lease:" + options_.job, options_.renew_every, [this] {
    (void)RunOnce();  // errors are logged by the round; the next one tries again
  });
  rounds_->Start();  // its first run comes at once; a renewal just after ours is harmless
  return first;
}

void Leadership::Stop() {
  if (rounds_ != nullptr) {
    rounds_->Stop();
    rounds_.reset();
  }
  std::lock_guard lock(mu_);
  if (!leading_) return;
  on_loss_();
  SetLeading(false);
  // Hand over at once instead of making the others wait for the lease to run out.
  const Status st = store_.Write([&](ports::StoreTx& tx) {
    return tx.coordination().ReleaseJobLease(options_.job, options_.holder);
  });
  if (!st.ok()) {
    log_.Warn("jobs.lease_release_failed", {{"job", options_.job}, {"error", st.ToString()}});
  }
}

bool Leadership::leading() const { return leading_.load(); }

void Leadership::SetLeading(bool leading) {
  if (leading != leading_.load()) {
    log_.Info(leading ? "jobs.lease_taken" : "jobs.lease_lost",
              {{"job", options_.job}, {"instance", options_.holder}});
  }
  leading_ = leading;
  gauge_.Set(leading ? 1.0 : 0.0);
}

Status Leadership::RunOnce() {
  std::lock_guard lock(mu_);
  const Time now = clock_.Now();
  bool held = false;
  const Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    if (options_.take_stale && !leading_) {
      VPNHUB_ASSIGN_OR_RETURN(auto lease, tx.coordination().GetJobLease(options_.job));
      if (lease.has_value() && lease->holder != options_.holder && lease->until > now) {
        VPNHUB_RETURN_IF_ERROR(tx.coordination().ReleaseJobLease(options_.job, lease->holder));
      }
    }
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.coordination().AcquireJobLease(options_.job, options_.holder,
                                                                      now, options_.ttl));
    held = r;
    return Status::Ok();
  });
  if (!st.ok()) {
    if (!store_failing_) {
      store_failing_ = true;
      log_.Warn("jobs.lease_error", {{"job", options_.job}, {"error", st.ToString()}});
    }
    // Not renewed: step down before the lease can run out under us (another instance may take
    // it then), one round ahead.
    if (leading_ && now + options_.renew_every >= held_until_) {
      on_loss_();
      SetLeading(false);
    }
    return Status::Ok();
  }
  store_failing_ = false;
  if (!held) {
    if (leading_) {
      on_loss_();
      SetLeading(false);
    }
    return Status::Ok();
  }
  held_until_ = now + options_.ttl;
  if (leading_) return Status::Ok();
  const Status gained = on_gain_();
  if (!gained.ok()) {
    log_.Error("jobs.lease_start_failed", {{"job", options_.job}, {"error", gained.ToString()}});
    // Let another instance try; should the release fail, the lease runs out after ttl.
    (void)store_.Write([&](ports::StoreTx& tx) {
      return tx.coordination().ReleaseJobLease(options_.job, options_.holder);
    });
    return gained;
  }
  SetLeading(true);
  return Status::Ok();
}

}  // namespace vpnhub::jobs
