#pragma once
// The decisions of one JetStream worker batch, apart from NATS and the database so that each is
// tested on its own: which message speaks for which task, which delivery is a task's last
// chance, and how each message is answered (from the task's outcome, or from its row when this
// worker did not claim it). JetStreamWorker::RunBatch applies them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/domain.hpp"
#include "core/rules.hpp"
#include "core/time.hpp"
#include "core/usecases/task_executor.hpp"

namespace vpnhub::queue {

// One answer to the stream about one message.
struct Reply {
  enum class Kind { kAck, kNak, kTerm };
  Kind kind = Kind::kAck;
  std::chrono::milliseconds delay{0};  // kNak: deliver again after this long (0: at once)

  static Reply Ack() { return {Kind::kAck, {}}; }
  static Reply Nak(std::chrono::milliseconds delay) { return {Kind::kNak, delay}; }
  static Reply Term() { return {Kind::kTerm, {}}; }
  bool operator==(const Reply&) const = default;
};

// Which message of a batch speaks for which task.
struct BatchPlan {
  std::vector<std::size_t> unreadable;            // no task id in the payload: termed
  std::map<Id, std::size_t> first_of;             // task -> the first message naming it
  std::vector<std::pair<std::size_t, Id>> extra;  // a later message for a task already named
                                                  // (an older generation, a redelivery):
                                                  // answered from the row after the batch
  std::vector<Id> task_ids() const;               // the tasks to claim, ascending
};

// `task_ids[i]`: the task message i names (nullopt when its payload names none).
BatchPlan PlanBatch(const std::vector<std::optional<Id>>& task_ids);

// Puts the claimed tasks in the order of their messages (the claim returns them in any order).
void OrderByMessage(std::vector<Task>& claimed, const BatchPlan& plan);

// For each claimed task (in order): true when its message is on its last delivery
// (`delivered[i]`: the deliveries of message i), so a retryable failure now dead-letters it.
// max_deliver <= 0: unlimited.
std::vector<bool> LastChances(const std::vector<Task>& claimed, const BatchPlan& plan,
                              const std::vector<std::uint64_t>& delivered, int max_deliver);

// The answer for the message of a task this worker ran: done -> ack; retry -> nak after the
// policy's delay; failed for good -> term (a dead letter); released unstarted -> nak at once;
// unrecorded (the row still runs under this claim) -> nak until its lease has ended.
Reply ReplyToOutcome(usecases::TaskOutcome outcome, const Task& task, const RetryPolicy& policy,
                     Time now);

// The answer for a message whose task this worker could not claim, from its row (nullopt: no
// such task -> term): settled (done or failed; a retry is published anew) -> ack; pending or in
// another claim -> nak until it may be claimable, at least 200 ms so a busy task does not spin.
Reply ReplyFromRow(const std::optional<Task>& row, Time now);

// The answer when the row could not be read (database trouble): try again shortly.
inline Reply ReplyAfterReadError() { return Reply::Nak(std::chrono::milliseconds(1000)); }

}  // namespace vpnhub::queue
