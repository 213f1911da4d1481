// SqliteTasks: tasks (the outbox).
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteTasks = SqlTasks<SqlitePort>;

template <>
Result<std::optional<Task>> SqliteTasks::ClaimTask(Id id, Time now, Duration lease);
namespace {

#define VPNHUB_TASK_COLUMNS                                                                      \
  "id, kind, subject_id, state, attempts, next_attempt_at, last_error, created_at, updated_at, " \
  "relayed_at, generation"

constexpr char kGetTaskSql[] = "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE id = ?1";
constexpr char kListTasksSql[] =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks ORDER BY id DESC LIMIT ?2";
constexpr char kListTasksInStateSql[] =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE state = ?1 ORDER BY id DESC LIMIT ?2";
// Claimable: pending and due, or running with an expired lease. One row, changed in place.
constexpr char kClaimTaskSql[] =
    "UPDATE tasks SET state = 'running', attempts = attempts + 1, next_attempt_at = ?3, "
    "updated_at = ?2 "
    "WHERE id = ?1 AND state IN ('pending', 'running') AND next_attempt_at <= ?2 "
    "RETURNING " VPNHUB_TASK_COLUMNS;
constexpr char kMarkTasksRelayedSql[] =
    "UPDATE tasks SET relayed_at = ?2 "
    "WHERE id IN (SELECT value FROM json_each(?1)) AND relayed_at IS NULL";
// The first row ListUnrelayedTasks would return (the same walk as kUnrelayedTasksSql).
constexpr char kOldestUnrelayedDueSql[] =
    "SELECT next_attempt_at FROM tasks INDEXED BY tasks_unrelayed "
    "WHERE state = 'pending' AND relayed_at IS NULL AND next_attempt_at <= ?1 "
    "ORDER BY id LIMIT 1";

}  // namespace

// ClaimTask for a JSON array of ids (?1) in one statement. NOT INDEXED keeps the lookups on the
// primary key: without it SQLite probes tasks_state once per state and id.
const char kClaimTasksByIdsSql[] =
    "UPDATE tasks NOT INDEXED SET state = 'running', attempts = attempts + 1, "
    "next_attempt_at = ?3, updated_at = ?2 "
    "WHERE id IN (SELECT value FROM json_each(?1)) AND state IN ('pending', 'running') "
    "AND next_attempt_at <= ?2 "
    "RETURNING " VPNHUB_TASK_COLUMNS;

// A walk of the partial index tasks_unrelayed (0005) in id order that stops at the LIMIT; rows
// not due yet are skipped on the way. INDEXED BY: without statistics SQLite would rather search
// tasks_state (every pending task, relayed or not) and sort.
const char kUnrelayedTasksSql[] = "SELECT " VPNHUB_TASK_COLUMNS
                                  " FROM tasks INDEXED BY tasks_unrelayed "
                                  "WHERE state = 'pending' AND relayed_at IS NULL "
                                  "AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2";

#undef VPNHUB_TASK_COLUMNS

// Stale relayed tasks, oldest due first: a range of tasks_claim (0004) from its start that skips
// the unrelayed rows on the way (in NATS mode nearly every open task is relayed).
const char kStaleRelayedTasksSql[] =
    "UPDATE tasks SET relayed_at = NULL, generation = generation + 1, state = 'pending' "
    "WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_claim "
    "WHERE state IN ('pending', 'running') AND next_attempt_at < ?1 "
    "AND (relayed_at < ?1 OR (relayed_at IS NULL AND state = 'running')) "
    "ORDER BY next_attempt_at, id LIMIT ?2)";

namespace {

// A JSON array of the ids, for json_each: one statement (and one cached plan) for any count.
std::string IdsAsJson(const std::vector<Id>& ids) {
  std::string json = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) json += ',';
    json += std::to_string(ids[i]);
  }
  json += ']';
  return json;
}

Result<Task> ReadTask(const Statement& s) {
  Task t;
  t.id = s.ColumnInt64(0);
  std::string kind = s.ColumnText(1);
  auto parsed_kind = ParseTaskKind(kind);
  if (!parsed_kind) {
    return Internal("task " + std::to_string(t.id) + ": unknown kind '" + kind + "'");
  }
  t.kind = *parsed_kind;
  t.subject_id = s.ColumnInt64(2);
  std::string state = s.ColumnText(3);
  auto parsed_state = ParseTaskState(state);
  if (!parsed_state) {
    return Internal("task " + std::to_string(t.id) + ": unknown state '" + state + "'");
  }
  t.state = *parsed_state;
  t.attempts = s.ColumnInt(4);
  t.next_attempt_at = FromUnixMs(s.ColumnInt64(5));
  t.last_error = s.ColumnText(6);
  t.created_at = FromUnixMs(s.ColumnInt64(7));
  t.updated_at = FromUnixMs(s.ColumnInt64(8));
  if (!s.ColumnIsNull(9)) t.relayed_at = FromUnixMs(s.ColumnInt64(9));
  t.generation = s.ColumnInt(10);
  return t;
}

Result<std::vector<Task>> CollectTasks(Statement& stmt) {
  std::vector<Task> tasks;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(stmt, [&](const Statement& s) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(Task task, ReadTask(s));
    tasks.push_back(std::move(task));
    return Status::Ok();
  }));
  return tasks;
}

}  // namespace

template <>
Result<Id> SqliteTasks::EnqueueTask(TaskKind kind, Id subject_id, Time run_at) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueTask"));
  // The port passes no separate "now"; the task counts as created when it becomes due.
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
          "updated_at) VALUES (?1, ?2, 'pending', 0, ?3, ?3, ?3)"));
  stmt->BindText(1, TaskKindName(kind)).BindInt64(2, subject_id).BindInt64(3, ToUnixMs(run_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<Task> SqliteTasks::GetTask(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kGetTaskSql));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("task " + std::to_string(id) + " not found");
  return ReadTask(*stmt);
}

// A walk of the partial index tasks_claim in claim order (0004): no sort, no finished tasks.
// Without statistics SQLite would rather search tasks_state and sort every open task; INDEXED BY
// pins the walk (and fails loudly should the index ever be missing).
const char kClaimableTasksSql[] =
    "SELECT id FROM tasks INDEXED BY tasks_claim "
    "WHERE state IN ('pending', 'running') AND next_attempt_at <= ?1 "
    "ORDER BY next_attempt_at, id LIMIT ?2";

template <>
Result<std::vector<Task>> SqliteTasks::ClaimTasks(Time now, Duration lease, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTasks"));
  // Pick the ids in due order first, then claim each: one UPDATE ... RETURNING would lose that
  // order (it rewrites next_attempt_at and returns rows in no defined order). Both happen in
  // the caller's write transaction, so nobody can claim in between.
  std::vector<Id> ids;
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kClaimableTasksSql));
    stmt->BindInt64(1, ToUnixMs(now)).BindInt64(2, limit < 0 ? 0 : limit);
    VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) {
      ids.push_back(s.ColumnInt64(0));
      return Status::Ok();
    }));
  }
  std::vector<Task> tasks;
  tasks.reserve(ids.size());
  for (Id id : ids) {
    VPNHUB_ASSIGN_OR_RETURN(std::optional<Task> task, ClaimTask(id, now, lease));
    if (task) tasks.push_back(std::move(*task));
  }
  return tasks;
}

template <>
Result<std::optional<Task>> SqliteTasks::ClaimTask(Id id, Time now, Duration lease) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTask"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kClaimTaskSql));
  stmt->BindInt64(1, id).BindInt64(2, ToUnixMs(now)).BindInt64(3, ToUnixMs(now + lease));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Task>();
  VPNHUB_ASSIGN_OR_RETURN(Task task, ReadTask(*stmt));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());  // finish the statement before it is reset
  return std::optional<Task>(std::move(task));
}

template <>
Status SqliteTasks::FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                                      const std::string& error, Time now) {
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(
            "UPDATE tasks SET state = ?2, next_attempt_at = ?3, last_error = ?4, updated_at = ?5 "
            "WHERE id = ?1 AND state = 'running'"));
    stmt->BindInt64(1, id)
        .BindText(2, TaskStateName(to_state))
        .BindInt64(3, ToUnixMs(next_attempt_at))
        .BindText(4, error)
        .BindInt64(5, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         Conflict("task " + std::to_string(id) + " is not running"));
}

template <>
Status SqliteTasks::CompleteTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteTask"));
  return FinishRunningTask(id, TaskState::kDone, now, "", now);
}

template <>
Result<int> SqliteTasks::CompleteTasks(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteTasks"));
  int moved = 0;
  for (Id id : ids) {
    Status st = CompleteTask(id, now);
    if (st.ok()) {
      ++moved;
    } else if (st.code() != StatusCode::kConflict && st.code() != StatusCode::kNotFound) {
      return st;
    }
  }
  return moved;
}

template <>
Status SqliteTasks::RescheduleTask(Id id, Time next_attempt_at, const std::string& error,
                                   Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RescheduleTask"));
  return FinishRunningTask(id, TaskState::kPending, next_attempt_at, error, now);
}

template <>
Status SqliteTasks::ReleaseTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseTask"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE tasks SET state = 'pending', attempts = MAX(attempts - 1, 0), "
                      "next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'running'"));
    stmt->BindInt64(1, id).BindInt64(2, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         Conflict("task " + std::to_string(id) + " is not running"));
}

template <>
Status SqliteTasks::FailTask(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FailTask"));
  return FinishRunningTask(id, TaskState::kFailed, now, error, now);
}

template <>
Status SqliteTasks::RetryTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RetryTask"));
  {
    // Handed back to the relay as a new generation: a new message id the stream will not drop.
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE tasks SET state = 'pending', attempts = 0, next_attempt_at = ?2, "
                      "updated_at = ?2, relayed_at = NULL, generation = generation + 1 "
                      "WHERE id = ?1 AND state = 'failed'"));
    stmt->BindInt64(1, id).BindInt64(2, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         FailedPrecondition("task " + std::to_string(id) + " is not failed"));
}

template <>
Result<std::vector<Task>> SqliteTasks::ListTasks(std::optional<TaskState> state, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(state ? kListTasksInStateSql : kListTasksSql));
  if (state) stmt->BindText(1, TaskStateName(*state));
  stmt->BindInt64(2, limit < 0 ? 0 : limit);
  return CollectTasks(*stmt);
}

template <>
Result<std::vector<Task>> SqliteTasks::ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                                       Duration lease) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTasksByIds"));
  if (ids.empty()) return std::vector<Task>();
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kClaimTasksByIdsSql));
  stmt->BindText(1, IdsAsJson(SortedUnique(ids)))
      .BindInt64(2, ToUnixMs(now))
      .BindInt64(3, ToUnixMs(now + lease));
  return CollectTasks(*stmt);
}

template <>
Result<std::vector<Task>> SqliteTasks::ListUnrelayedTasks(Time now, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kUnrelayedTasksSql));
  stmt->BindInt64(1, ToUnixMs(now)).BindInt64(2, limit < 0 ? 0 : limit);
  return CollectTasks(*stmt);
}

template <>
Result<int> SqliteTasks::MarkTasksRelayed(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTasksRelayed"));
  if (ids.empty()) return 0;
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kMarkTasksRelayedSql));
    stmt->BindText(1, IdsAsJson(SortedUnique(ids))).BindInt64(2, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  return static_cast<int>(conn_.Changes());
}

template <>
Result<std::optional<Time>> SqliteTasks::OldestUnrelayedDue(Time now) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kOldestUnrelayedDueSql));
  stmt->BindInt64(1, ToUnixMs(now));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Time>();
  return std::optional<Time>(FromUnixMs(stmt->ColumnInt64(0)));
}

template <>
Result<int> SqliteTasks::RequeueStaleRelayedTasks(Time stale_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RequeueStaleRelayedTasks"));
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kStaleRelayedTasksSql));
    stmt->BindInt64(1, ToUnixMs(stale_before)).BindInt64(2, limit < 0 ? 0 : limit);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  return static_cast<int>(conn_.Changes());
}

template class SqlTasks<SqlitePort>;

}  // namespace vpnhub::storage
