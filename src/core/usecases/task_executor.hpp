#pragma once
// Performs outbox tasks against the VPN servers and records what happened. Used by the embedded
// worker now and by the NATS worker later: both hand it a claimed task.
#include <string>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/rules.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/notices.hpp"

namespace vpnhub::usecases {

enum class TaskOutcome { kDone, kRetryLater, kFailed };

class TaskExecutor {
 public:
  // `alerts` (optional): admins hear about tasks that failed for good, throttled per kind.
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
  // the policy's last attempt or on a permanent error (then a provisioning key becomes failed).
  TaskOutcome RunClaimed(const Task& task);

  const RetryPolicy& policy() const { return policy_; }

 private:
  Status Provision(const Task& task);
  Status Revoke(const Task& task);
  Status LoadKeyAndServer(Id key_id, Key& key, Server& server);
  void GiveUp(const Task& task, const std::string& error);
  Status RecordFailure(const Task& task, const std::string& error, Time now);

  ports::Store& store_;
  const Backends& backends_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  RetryPolicy policy_;
  const AlertPolicy* alerts_;
};

}  // namespace vpnhub::usecases
