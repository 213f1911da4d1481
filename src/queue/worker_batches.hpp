#pragma once
// What both task workers (embedded and JetStream) share: their metrics and the rule that sizes
// their next batch.
#include <chrono>
#include <cstddef>
#include <vector>

#include "core/domain.hpp"
#include "core/time.hpp"
#include "core/usecases/task_executor.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::queue {

// Registers vpnhub_tasks_processed_total{kind,outcome} for every kind and outcome up front (so
// dashboards see zeros, not gaps) and returns vpnhub_tasks_released_total.
metrics::Counter& RegisterWorkerMetrics(metrics::Registry& registry);

// Counts a batch's outcomes: vpnhub_tasks_processed_total for those that ran (outcome done,
// retry, failed, or unrecorded when the database did not take the outcome), released (given back
// unstarted) ones in `released`. True when any was released.
bool CountOutcomes(metrics::Registry& registry, metrics::Counter& released,
                   const std::vector<Task>& tasks,
                   const std::vector<usecases::TaskOutcome>& outcomes);

// The next batch size. Quick: the `ran` tasks took little time each (under 25 ms: VPN calls
// answered promptly; a busy CPU or a batched commit does not count against them) and none had
// to be given back. A full (`full`) quick batch earns a bigger one, up to max_batch; a slow one
// halves, so a sluggish server holds few tasks at a time.
int NextBatchSize(int batch, int max_batch, std::size_t ran, bool full,
                  std::chrono::steady_clock::duration took, bool released);

}  // namespace vpnhub::queue
