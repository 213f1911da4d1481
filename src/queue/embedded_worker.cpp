#include "queue/embedded_worker.hpp"

#include <algorithm>
#include <chrono>

namespace vpnhub::queue {
namespace {

// A task that takes longer than this (mostly its VPN call) makes its batch count as slow.
constexpr auto kQuickTask = std::chrono::milliseconds(25);

}  // namespace

EmbeddedWorker::EmbeddedWorker(ports::Store& store, usecases::TaskExecutor& executor,
                               const ports::Clock& clock, ports::EventLog& log,
                               metrics::Registry& registry, EmbeddedWorkerOptions options)
    : store_(store),
      executor_(executor),
      clock_(clock),
      log_(log),
      registry_(registry),
      released_(registry.GetCounter(
          "vpnhub_tasks_released_total",
          "Claimed tasks a worker batch gave back unstarted (it ran out of time)")),
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

bool EmbeddedWorker::RunBatch(int& batch) {
  std::vector<Task> claimed;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto r = tx.ClaimTasks(clock_.Now(), options_.lease, batch);
    if (!r.ok()) return r.status();
    claimed = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) {
    log_.Warn("worker.claim_error", {{"error", st.ToString()}});
    return false;
  }
  if (claimed.empty()) return false;
  const auto started = std::chrono::steady_clock::now();
  auto outcomes = executor_.RunClaimedBatch(claimed, options_.lease / 3);
  const auto took = std::chrono::steady_clock::now() - started;
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    const char* name = nullptr;
    switch (outcomes[i]) {
      case usecases::TaskOutcome::kDone:
        name = "done";
        break;
      case usecases::TaskOutcome::kRetryLater:
        name = "retry";
        break;
      case usecases::TaskOutcome::kFailed:
        name = "failed";
        break;
      case usecases::TaskOutcome::kReleased:  // not started: back in the queue
        released_.Inc();
        continue;
    }
    registry_
        .GetCounter("vpnhub_tasks_processed_total", "Tasks run by the worker, by outcome",
                    {{"kind", TaskKindName(claimed[i].kind)}, {"outcome", name}})
        .Inc();
  }
  // Quick: the tasks took little time each (VPN calls answered promptly; a busy CPU or a
  // batched commit does not count against them) and none had to be given back. A full quick
  // batch earns a bigger one; a slow one halves, so a sluggish server holds few tasks at a time.
  bool released = false;
  for (auto outcome : outcomes) released = released || outcome == usecases::TaskOutcome::kReleased;
  const bool quick = !released && took < kQuickTask * static_cast<int>(claimed.size());
  if (!quick) {
    batch = std::max(1, batch / 2);
  } else if (static_cast<int>(claimed.size()) == batch) {
    batch = std::min(options_.max_batch, batch * 2);
  }
  return true;
}

void EmbeddedWorker::Loop(int) {
  int batch = 1;
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = wakeups_;
    }
    if (RunBatch(batch)) continue;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace vpnhub::queue
