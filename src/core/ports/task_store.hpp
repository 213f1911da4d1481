#pragma once
// The outbox: tasks committed with the change of state they imply, claimed by workers and, in
// NATS mode, relayed to the stream (ports::TaskStore).
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

// Tasks: enqueue, claim under a lease, finish a claimed task, retry a dead letter, and the relay's
// bookkeeping. Every move of a claimed task is a compare-and-set on its state (see
// WriteKind::kQueue). Reached through StoreTx::tasks(); valid only inside the transaction that
// handed it out, not thread-safe. Errors: kUnavailable when the database cannot be reached,
// kInternal on unexpected database errors (and for a stored task whose kind or state cannot be
// read), kFailedPrecondition for a write in a read-only transaction; method-specific codes are
// listed per method.
class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // A new pending task due at run_at. Returns its id.
  virtual Result<Id> EnqueueTask(TaskKind kind, Id subject_id, Time run_at) = 0;
  // EnqueueTask unless a task of this kind for this subject is open (pending or running): then
  // nothing is queued and the answer is nullopt. For restore_key, a unique index makes this hold
  // also for two transactions at once (the later one gets nullopt); kInvalidArgument for any
  // other kind.
  virtual Result<std::optional<Id>> EnqueueTaskOnce(TaskKind kind, Id subject_id, Time run_at) = 0;
  virtual Result<Task> GetTask(Id id) = 0;  // kNotFound when absent
  // Tasks in a state (or all), newest first, at most limit.
  virtual Result<std::vector<Task>> ListTasks(std::optional<TaskState> state, int limit) = 0;

  // ---- claims (a worker takes a task under a lease)
  // Claims up to `limit` tasks that are pending and due (next_attempt_at <= now), or running
  // with an expired lease (next_attempt_at <= now), oldest due first: each becomes running,
  // attempts + 1, next_attempt_at = now + lease. A claimed task is not returned again by another
  // claim until its lease expires.
  virtual Result<std::vector<Task>> ClaimTasks(Time now, Duration lease, int limit) = 0;
  // Claims one specific task the same way; an empty optional when it is not claimable now.
  virtual Result<std::optional<Task>> ClaimTask(Id id, Time now, Duration lease) = 0;
  // Claims those of `ids` that are claimable now, as ClaimTask does, in one statement; the
  // others are left alone. Returns the claimed tasks (any order). For the NATS worker, which
  // learns task ids from the stream.
  virtual Result<std::vector<Task>> ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                                    Duration lease) = 0;

  // ---- a claimed task's outcome
  // running -> done. kConflict when the task is not running.
  virtual Status CompleteTask(Id id, Time now) = 0;
  // CompleteTask for many tasks in one statement; those not running are left alone. Returns how
  // many moved.
  virtual Result<int> CompleteTasks(const std::vector<Id>& ids, Time now) = 0;
  // running -> pending due at next_attempt_at, remembering the error. kConflict when not running.
  virtual Status RescheduleTask(Id id, Time next_attempt_at, const std::string& error,
                                Time now) = 0;
  // running -> pending due at `now`, giving back the attempt its claim counted: a claimed task
  // the worker did not start (its batch ran out of time). kConflict when not running.
  virtual Status ReleaseTask(Id id, Time now) = 0;
  // running -> failed (dead letter), remembering the error. kConflict when not running.
  virtual Status FailTask(Id id, const std::string& error, Time now) = 0;
  // failed -> pending, attempts = 0, due now, and handed back to the relay (relayed_at cleared,
  // generation + 1). kFailedPrecondition when the task is not failed, kNotFound when absent.
  virtual Status RetryTask(Id id, Time now) = 0;

  // ---- the relay (NATS mode): committed tasks on their way to the stream
  // Pending tasks that are due (next_attempt_at <= now) and not relayed yet, in creation (id)
  // order, at most `limit`. Locks nothing: two relays may read the same rows (the stream's
  // duplicate window drops the second publish).
  virtual Result<std::vector<Task>> ListUnrelayedTasks(Time now, int limit) = 0;
  // relayed_at = now for those of `ids` still unrelayed; returns how many changed.
  virtual Result<int> MarkTasksRelayed(const std::vector<Id>& ids, Time now) = 0;
  // The due time of the oldest task ListUnrelayedTasks would return; nullopt when none. The
  // relay lag is now minus it.
  virtual Result<std::optional<Time>> OldestUnrelayedDue(Time now) = 0;
  // Hands back to the relay the tasks the stream seems to have lost: tasks relayed before
  // `stale_before` that are pending with a due time, or running with a lease that ended, before
  // it (so a task just published again is not handed back again before its time), and
  // running tasks whose lease ended then that were never relayed (left by the embedded queue
  // before a switch to NATS). Each becomes pending (still due; attempts kept) with relayed_at
  // cleared and generation + 1 (a fresh message id), oldest due first, at most `limit`. Returns
  // how many.
  virtual Result<int> RequeueStaleRelayedTasks(Time stale_before, int limit) = 0;
};

}  // namespace vpnhub::ports
