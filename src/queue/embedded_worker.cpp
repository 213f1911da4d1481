#include "queue/embedded_worker.hpp"

namespace vpnhub::queue {

EmbeddedWorker::EmbeddedWorker(ports::Store& store, usecases::TaskExecutor& executor,
                               const ports::Clock& clock, ports::EventLog& log,
                               metrics::Registry& registry, EmbeddedWorkerOptions options)
    : store_(store),
      executor_(executor),
      clock_(clock),
      log_(log),
      registry_(registry),
      options_(options) {
  // Register every series up front so dashboards see zeros, not gaps.
  for (auto kind : AllTaskKinds()) {
    for (const char* outcome : {"done", "retry", "failed"}) {
      registry_.GetCounter("vpnhub_tasks_processed_total", "Tasks run by the worker, by outcome",
                           {{"kind", TaskKindName(kind)}, {"outcome", outcome}});
    }
  }
}

EmbeddedWorker::~EmbeddedWorker() { Stop(); }

void EmbeddedWorker::Start() {
  stopping_ = false;
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void EmbeddedWorker::Stop() {
  stopping_ = true;
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void EmbeddedWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

bool EmbeddedWorker::RunOne() {
  std::vector<Task> claimed;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto r = tx.ClaimTasks(clock_.Now(), options_.lease, 1);
    if (!r.ok()) return r.status();
    claimed = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) {
    log_.Warn("worker.claim_error", {{"error", st.ToString()}});
    return false;
  }
  if (claimed.empty()) return false;
  const Task& task = claimed.front();
  auto outcome = executor_.RunClaimed(task);
  const char* name = outcome == usecases::TaskOutcome::kDone         ? "done"
                     : outcome == usecases::TaskOutcome::kRetryLater ? "retry"
                                                                     : "failed";
  registry_
      .GetCounter("vpnhub_tasks_processed_total", "Tasks run by the worker, by outcome",
                  {{"kind", TaskKindName(task.kind)}, {"outcome", name}})
      .Inc();
  return true;
}

void EmbeddedWorker::Loop(int) {
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = wakeups_;
    }
    if (RunOne()) continue;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace vpnhub::queue
