#include "queue/jetstream_batch.hpp"

#include <algorithm>

namespace vpnhub::queue {
namespace {

using std::chrono::milliseconds;

milliseconds Ms(Duration d) {
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(d));
}

// Until `due`, at least 200 ms.
Reply NakUntil(Time due, Time now) {
  return Reply::Nak(std::max(milliseconds(200), Ms(due - now)));
}

}  // namespace

std::vector<Id> BatchPlan::task_ids() const {
  std::vector<Id> ids;
  ids.reserve(first_of.size());
  for (const auto& [id, index] : first_of) ids.push_back(id);
  return ids;
}

BatchPlan PlanBatch(const std::vector<std::optional<Id>>& task_ids) {
  BatchPlan plan;
  for (std::size_t i = 0; i < task_ids.size(); ++i) {
    if (!task_ids[i]) {
      plan.unreadable.push_back(i);
    } else if (!plan.first_of.emplace(*task_ids[i], i).second) {
      plan.extra.emplace_back(i, *task_ids[i]);
    }
  }
  return plan;
}

void OrderByMessage(std::vector<Task>& claimed, const BatchPlan& plan) {
  std::sort(claimed.begin(), claimed.end(), [&](const Task& a, const Task& b) {
    return plan.first_of.at(a.id) < plan.first_of.at(b.id);
  });
}

std::vector<bool> LastChances(const std::vector<Task>& claimed, const BatchPlan& plan,
                              const std::vector<std::uint64_t>& delivered, int max_deliver) {
  std::vector<bool> last(claimed.size());
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    last[i] = max_deliver > 0 &&
              delivered[plan.first_of.at(claimed[i].id)] >= static_cast<std::uint64_t>(max_deliver);
  }
  return last;
}

Reply ReplyToOutcome(usecases::TaskOutcome outcome, const Task& task, const RetryPolicy& policy,
                     Time now) {
  switch (outcome) {
    case usecases::TaskOutcome::kDone:
      return Reply::Ack();
    case usecases::TaskOutcome::kRetryLater:
      return Reply::Nak(Ms(policy.DelayAfter(task.attempts)));
    case usecases::TaskOutcome::kFailed:
      return Reply::Term();
    case usecases::TaskOutcome::kReleased:
      return Reply::Nak(milliseconds(0));
    case usecases::TaskOutcome::kUnrecorded:
      // After the last delivery the relay's redrive hands the row out again.
      return NakUntil(task.next_attempt_at, now);
  }
  return Reply::Nak(milliseconds(0));
}

Reply ReplyFromRow(const std::optional<Task>& row, Time now) {
  if (!row) return Reply::Term();
  switch (row->state) {
    case TaskState::kDone:
    case TaskState::kFailed:
      return Reply::Ack();
    case TaskState::kPending:
    case TaskState::kRunning:
      return NakUntil(row->next_attempt_at, now);
  }
  return NakUntil(row->next_attempt_at, now);
}

}  // namespace vpnhub::queue
