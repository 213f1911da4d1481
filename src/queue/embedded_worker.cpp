#include "queue/embedded_worker.hpp"

#include <algorithm>
#include <chrono>

#include "queue/worker_batches.hpp"

namespace vpnhub::queue {

EmbeddedWorker::EmbeddedWorker(ports::Store& store, usecases::TaskExecutor& executor,
                               const ports::Clock& clock, ports::EventLog& log,
                               metrics::Registry& registry, EmbeddedWorkerOptions options)
    : store_(store),
      executor_(executor),
      clock_(clock),
      log_(log),
      registry_(registry),
      released_(RegisterWorkerMetrics(registry)),
      options_(options) {}

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

void EmbeddedWorker::Nudge() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_one();
}

bool EmbeddedWorker::RunBatch(int& batch) {
  std::vector<Task> claimed;
  Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().ClaimTasks(clock_.Now(), options_.lease, batch));
    claimed = std::move(r);
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
  const bool released = CountOutcomes(registry_, released_, claimed, outcomes);
  batch = NextBatchSize(batch, options_.max_batch, claimed.size(),
                        static_cast<int>(claimed.size()) == batch, took, released);
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
    if (RunBatch(batch)) {
      if (options_.after_batch) options_.after_batch();
      continue;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.idle_poll, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace vpnhub::queue
