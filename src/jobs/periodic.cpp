#include "jobs/periodic.hpp"

#include <chrono>

namespace vpnhub::jobs {

void PeriodicJob::Start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicJob::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicJob::RunNow() {
  {
    std::lock_guard lock(mu_);
    run_now_ = true;
  }
  cv_.notify_all();
}

void PeriodicJob::ShortenNextWait(Duration wait) {
  std::lock_guard lock(mu_);
  if (wait < interval_ && (!next_wait_ || wait < *next_wait_)) next_wait_ = wait;
}

void PeriodicJob::Loop() {
  using SteadyClock = std::chrono::steady_clock;
  for (;;) {
    const auto started = SteadyClock::now();
    fn_();
    // Fixed rate: a deadline already past (the run overran) makes the wait end at once, and the
    // next run counts from its own start, so no missed run is made up.
    std::unique_lock lock(mu_);
    const Duration wait = next_wait_.value_or(interval_);
    next_wait_.reset();
    const auto next = cadence_ == Cadence::kFixedRate ? started + wait : SteadyClock::now() + wait;
    cv_.wait_until(lock, next, [&] { return stopping_ || run_now_; });
    if (stopping_) return;
    run_now_ = false;
  }
}

}  // namespace vpnhub::jobs
