#include "queue/worker_batches.hpp"

#include <algorithm>

namespace vpnhub::queue {
namespace {

constexpr auto kQuickTask = std::chrono::milliseconds(25);
constexpr const char* kProcessedHelp = "Tasks run by the worker, by outcome";

}  // namespace

metrics::Counter& RegisterWorkerMetrics(metrics::Registry& registry) {
  for (auto kind : AllTaskKinds()) {
    for (const char* outcome : {"done", "retry", "failed", "unrecorded"}) {
      registry.GetCounter("vpnhub_tasks_processed_total", kProcessedHelp,
                          {{"kind", TaskKindName(kind)}, {"outcome", outcome}});
    }
  }
  return registry.GetCounter(
      "vpnhub_tasks_released_total",
      "Claimed tasks a worker batch gave back unstarted (it ran out of time)");
}

bool CountOutcomes(metrics::Registry& registry, metrics::Counter& released,
                   const std::vector<Task>& tasks,
                   const std::vector<usecases::TaskOutcome>& outcomes) {
  bool any_released = false;
  for (std::size_t i = 0; i < tasks.size() && i < outcomes.size(); ++i) {
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
      case usecases::TaskOutcome::kUnrecorded:  // ran, but its outcome was not committed
        name = "unrecorded";
        break;
      case usecases::TaskOutcome::kReleased:  // not started: back in the queue
        released.Inc();
        any_released = true;
        continue;
    }
    registry
        .GetCounter("vpnhub_tasks_processed_total", kProcessedHelp,
                    {{"kind", TaskKindName(tasks[i].kind)}, {"outcome", name}})
        .Inc();
  }
  return any_released;
}

int NextBatchSize(int batch, int max_batch, std::size_t ran, bool full,
                  std::chrono::steady_clock::duration took, bool released) {
  const auto allowance = kQuickTask * static_cast<int>(std::max<std::size_t>(ran, 1));
  if (released || took >= allowance) return std::max(1, batch / 2);
  return full ? std::min(max_batch, batch * 2) : batch;
}

}  // namespace vpnhub::queue
