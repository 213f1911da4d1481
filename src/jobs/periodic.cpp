#include "jobs/periodic.hpp"

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

void PeriodicJob::Loop() {
  for (;;) {
    fn_();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, interval_, [&] { return stopping_ || run_now_; });
    if (stopping_) return;
    run_now_ = false;
  }
}

}  // namespace vpnhub::jobs
