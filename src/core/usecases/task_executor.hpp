#pragma once
// Performs outbox tasks against the VPN servers and records what happened. Used by the embedded
// worker now and by the NATS worker later: both hand it a claimed task.
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/rules.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/notices.hpp"

namespace vpnhub::usecases {

// kReleased: claimed but not started (its batch ran out of time, or its final attempt could not
// read its data); back in the queue, due now, its attempt not counted.
// kUnrecorded: the outcome could not be committed (the database failed): nothing changed, the
// task row stays running until its lease ends and a later claim repeats the task (tasks are
// idempotent). Nothing is logged as done, retried or failed for it.
enum class TaskOutcome { kDone, kRetryLater, kFailed, kReleased, kUnrecorded };

class TaskExecutor {
 public:
  // `alerts` (optional): admins hear about tasks that failed for good, throttled per kind, and
  // about keys a person was waiting for that could not be set up (subject "key_failed_waiting").
  TaskExecutor(ports::Store& store, const Backends& backends, const ports::Clock& clock,
               ports::EventLog& log, RetryPolicy policy = {}, const AlertPolicy* alerts = nullptr)
      : store_(store),
        backends_(backends),
        clock_(clock),
        log_(log),
        policy_(policy),
        alerts_(alerts) {}

  // Does the task's work against the remote and moves the key's state when the remote
  // confirmed. Idempotent: running a task twice does no harm. Does not touch the task row.
  Status Execute(const Task& task);

  // Runs a task this worker has claimed (state running) and records the outcome on the task row:
  // done on success; pending again after a backoff on a retryable error; failed for good after
  // the policy's last attempt or on a permanent error (then a provisioning key becomes failed,
  // and when a person waits for it (announce_when_ready) in the same transaction: they are told
  // (a kKeyFailed message, unless they blocked the bot), a trial key's trial is given back, and
  // the admins are alerted). Events (key.activated, key.revoked, task.retry, task.failed,
  // key.failed) are logged only once the outcome is committed; kUnrecorded otherwise.
  TaskOutcome RunClaimed(const Task& task);

  // RunClaimed for several claimed tasks at once: their remote work one after another, then
  // every outcome (key states, task rows, alerts) in ONE write transaction, so a batch costs one
  // commit however many tasks it holds. Once `budget` has passed (by the executor's clock) no
  // further remote work starts: the rest are released (kReleased). Should the batch's
  // transaction fail, each outcome is recorded on its own so that one bad row cannot hold the
  // others back (kUnrecorded for those that still fail). A key or server that cannot be read
  // fails only its own tasks. Returns one outcome per task, in order (none for no tasks).
  // `last_chance[i]` (optional, one per task): the transport will not hand task i over again
  // (NATS: its message's last delivery), so a retryable error fails it for good as well. A
  // failed read of the batch is the database's fault, never the task's: on what would be a
  // task's final attempt it is released (kReleased, the attempt given back) instead of failed.
  std::vector<TaskOutcome> RunClaimedBatch(const std::vector<Task>& tasks,
                                           Duration budget = Duration::max(),
                                           const std::vector<bool>& last_chance = {});

  const RetryPolicy& policy() const { return policy_; }

 private:
  struct Work;  // one task on its way through a run

  // Reads every task's key and server in one read transaction. An unreadable row (a key or a
  // server that cannot be read or parsed) fails only the tasks that need it.
  void Load(std::vector<Work>& works);
  // The remote step: decides what the task needs and calls the VPN server if it must.
  void Remote(Work& work);
  // restore_key's remote step (see Restore in the .cpp).
  Status Restore(Work& work);
  // The key state change the remote step earned (and the "key ready" message).
  Status ApplyEffect(ports::StoreTx& tx, Work& work, Time now);
  // ApplyEffect plus the task row's move (done / pending later / failed with an alert).
  Status Record(ports::StoreTx& tx, Work& work, Time now);
  // A provisioning key just became failed: the person waiting for it hears so, a trial is given
  // back, the admins are alerted.
  Status KeyFailed(ports::StoreTx& tx, Work& work, const std::string& error, Time now);
  // Record for every task of a batch, the common outcomes set-wise.
  Status RecordBatch(ports::StoreTx& tx, std::vector<Work>& works, Time now);
  // After the commit (work.recorded): remove keys revoked while they were being created; log.
  void Finish(Work& work);

  ports::Store& store_;
  const Backends& backends_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  RetryPolicy policy_;
  const AlertPolicy* alerts_;
};

}  // namespace vpnhub::usecases
