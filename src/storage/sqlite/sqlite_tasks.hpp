#pragma once
// SqliteTasks: ports::TaskStore over the connection of one SqliteTx: the task queue (the outbox).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/task_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteTasks final : public ports::TaskStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<Id> EnqueueTask(TaskKind kind, Id subject_id, Time run_at) override;
  Result<Task> GetTask(Id id) override;
  Result<std::vector<Task>> ClaimTasks(Time now, Duration lease, int limit) override;
  Result<std::optional<Task>> ClaimTask(Id id, Time now, Duration lease) override;
  Status CompleteTask(Id id, Time now) override;
  Result<int> CompleteTasks(const std::vector<Id>& ids, Time now) override;
  Status RescheduleTask(Id id, Time next_attempt_at, const std::string& error, Time now) override;
  Status ReleaseTask(Id id, Time now) override;
  Status FailTask(Id id, const std::string& error, Time now) override;
  Status RetryTask(Id id, Time now) override;
  Result<std::vector<Task>> ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                            Duration lease) override;
  Result<std::vector<Task>> ListUnrelayedTasks(Time now, int limit) override;
  Result<int> MarkTasksRelayed(const std::vector<Id>& ids, Time now) override;
  Result<std::optional<Time>> OldestUnrelayedDue(Time now) override;
  Result<int> RequeueStaleRelayedTasks(Time stale_before, int limit) override;
  Result<std::vector<Task>> ListTasks(std::optional<TaskState> state, int limit) override;

 private:
  // Moves a running task to `to_state` with next_attempt_at/last_error; kConflict when the task
  // is not running.
  Status FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                           const std::string& error, Time now);
};

}  // namespace vpnhub::storage
