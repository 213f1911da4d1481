// SqlTasks: the task queue, the outbox (ports::TaskStore).
#include "storage/sql/indexed_queries.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

#define VPNHUB_TASK_COLUMNS                                                                      \
  "id, kind, subject_id, state, attempts, next_attempt_at, last_error, created_at, updated_at, " \
  "relayed_at, generation"

constexpr SqlText kGetTaskSql = "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE id = $1";
constexpr SqlText kListTasksSql =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks ORDER BY id DESC LIMIT $1";
constexpr SqlText kListTasksInStateSql =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE state = $2 ORDER BY id DESC LIMIT $1";
// Claimable: pending and due, or running with an expired lease. One row, changed in place.
constexpr SqlText kClaimTaskSql =
    "UPDATE tasks SET state = 'running', attempts = attempts + 1, next_attempt_at = $3, "
    "updated_at = $2 "
    "WHERE id = $1 AND state IN ('pending', 'running') AND next_attempt_at <= $2 "
    "RETURNING " VPNHUB_TASK_COLUMNS;
// PostgreSQL: the due tasks in due order, locked with SKIP LOCKED so that concurrent claimers
// (other processes) pass over rows another claim holds instead of waiting for it; then all
// claimed in the same statement. RETURNING has no order, so the old next_attempt_at comes along
// to sort by.
#define VPNHUB_PG_CLAIMABLE_TASKS                                    \
  "SELECT id, next_attempt_at AS due FROM tasks"                     \
  " WHERE state IN ('pending', 'running') AND next_attempt_at <= $1" \
  " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
constexpr SqlText kClaimTasksSql =
    "WITH picked AS (" VPNHUB_PG_CLAIMABLE_TASKS
    "), "
    "claimed AS ("
    " UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, next_attempt_at = $3,"
    " updated_at = $1 FROM picked WHERE t.id = picked.id"
    " RETURNING t.id, t.kind, t.subject_id, t.state, t.attempts, t.next_attempt_at,"
    " t.last_error, t.created_at, t.updated_at, t.relayed_at, t.generation, picked.due) "
    "SELECT " VPNHUB_TASK_COLUMNS " FROM claimed ORDER BY due, id";
constexpr SqlText kMarkTasksRelayedSql(
    "UPDATE tasks SET relayed_at = $2 WHERE id = ANY($1::bigint[]) AND relayed_at IS NULL",
    "UPDATE tasks SET relayed_at = $2 "
    "WHERE id IN (SELECT value FROM json_each($1)) AND relayed_at IS NULL");
// The first row ListUnrelayedTasks would return (the same walk as kUnrelayedTasksSql).
constexpr SqlText kOldestUnrelayedDueSql(
    "SELECT next_attempt_at FROM tasks "
    "WHERE state = 'pending' AND relayed_at IS NULL AND next_attempt_at <= $1 "
    "ORDER BY id LIMIT 1",
    "SELECT next_attempt_at FROM tasks INDEXED BY tasks_unrelayed "
    "WHERE state = 'pending' AND relayed_at IS NULL AND next_attempt_at <= $1 "
    "ORDER BY id LIMIT 1");

}  // namespace

// The rows ClaimTasks picks: a walk of the partial index tasks_claim in claim order (0004). SQLite
// picks the ids alone and claims them one by one; without statistics it would rather search
// tasks_state and sort every open task, so INDEXED BY pins the walk (and fails loudly should the
// index ever be missing).
const SqlText kClaimableTasksSql(VPNHUB_PG_CLAIMABLE_TASKS,
                                 "SELECT id FROM tasks INDEXED BY tasks_claim "
                                 "WHERE state IN ('pending', 'running') AND next_attempt_at <= $1 "
                                 "ORDER BY next_attempt_at, id LIMIT $2");
#undef VPNHUB_PG_CLAIMABLE_TASKS

// ClaimTask for a set of ids in one statement. PostgreSQL: primary-key lookups, locked with SKIP
// LOCKED as ClaimTasks does (a row another claim holds is left to it), then claimed together.
// SQLite: NOT INDEXED keeps the lookups on the primary key; without it SQLite probes tasks_state
// once per state and id.
const SqlText kClaimTasksByIdsSql(
    "WITH picked AS (SELECT id FROM tasks WHERE id = ANY($1::bigint[])"
    " AND state IN ('pending', 'running') AND next_attempt_at <= $2"
    " FOR UPDATE SKIP LOCKED) "
    "UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, next_attempt_at = $3,"
    " updated_at = $2 FROM picked WHERE t.id = picked.id "
    "RETURNING t.id, t.kind, t.subject_id, t.state, t.attempts, t.next_attempt_at,"
    " t.last_error, t.created_at, t.updated_at, t.relayed_at, t.generation",
    "UPDATE tasks NOT INDEXED SET state = 'running', attempts = attempts + 1, "
    "next_attempt_at = $3, updated_at = $2 "
    "WHERE id IN (SELECT value FROM json_each($1)) AND state IN ('pending', 'running') "
    "AND next_attempt_at <= $2 "
    "RETURNING " VPNHUB_TASK_COLUMNS);

// A walk of the partial index tasks_unrelayed (0005) in id order that stops at the LIMIT; rows
// not due yet are skipped on the way. No locks: two relays may read the same rows. INDEXED BY:
// without statistics SQLite would rather search tasks_state (every pending task) and sort.
const SqlText kUnrelayedTasksSql("SELECT " VPNHUB_TASK_COLUMNS
                                 " FROM tasks WHERE state = 'pending' AND relayed_at IS NULL"
                                 " AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
                                 "SELECT " VPNHUB_TASK_COLUMNS
                                 " FROM tasks INDEXED BY tasks_unrelayed "
                                 "WHERE state = 'pending' AND relayed_at IS NULL "
                                 "AND next_attempt_at <= $1 ORDER BY id LIMIT $2");

#undef VPNHUB_TASK_COLUMNS

// Stale relayed tasks, oldest due first: a range of tasks_claim (0004) from its start that skips
// the unrelayed rows on the way (in NATS mode nearly every open task is relayed). PostgreSQL:
// SKIP LOCKED, a row in a claim right now is not stale.
const SqlText kStaleRelayedTasksSql(
    "WITH stale AS (SELECT id FROM tasks"
    " WHERE state IN ('pending', 'running') AND next_attempt_at < $1"
    " AND (relayed_at < $1 OR (relayed_at IS NULL AND state = 'running'))"
    " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE tasks t SET relayed_at = NULL, generation = t.generation + 1, state = 'pending'"
    " FROM stale"
    " WHERE t.id = stale.id",
    "UPDATE tasks SET relayed_at = NULL, generation = generation + 1, state = 'pending' "
    "WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_claim "
    "WHERE state IN ('pending', 'running') AND next_attempt_at < $1 "
    "AND (relayed_at < $1 OR (relayed_at IS NULL AND state = 'running')) "
    "ORDER BY next_attempt_at, id LIMIT $2)");

namespace {

Result<Task> ReadTask(const SqlRow& r) {
  Task t;
  t.id = r.Int64(0);
  VPNHUB_ASSIGN_OR_RETURN(t.kind, r.Named(1, ParseTaskKind, "task", t.id, "kind"));
  t.subject_id = r.Int64(2);
  VPNHUB_ASSIGN_OR_RETURN(t.state, r.Named(3, ParseTaskState, "task", t.id, "state"));
  t.attempts = r.Int(4);
  t.next_attempt_at = r.Ms(5);
  t.last_error = r.Text(6);
  t.created_at = r.Ms(7);
  t.updated_at = r.Ms(8);
  t.relayed_at = r.MsOrNull(9);
  t.generation = r.Int(10);
  return t;
}

// For a compare-and-set on a running task.
Status ConflictUnlessChanged(SqlSession& s, const Result<std::int64_t>& changed, Id id) {
  return s.ExplainUnlessChanged(changed, "tasks", "task", id,
                                Conflict("task " + std::to_string(id) + " is not running"));
}

}  // namespace

Result<Id> SqlTasks::EnqueueTask(TaskKind kind, Id subject_id, Time run_at) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("EnqueueTask"));
  // The port passes no separate "now"; the task counts as created when it becomes due.
  return s_.Insert(
      "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
      "updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, $3)",
      SqlParams().Text(TaskKindName(kind)).Int(subject_id).Ms(run_at));
}

Result<std::optional<Id>> SqlTasks::EnqueueTaskOnce(TaskKind kind, Id subject_id, Time run_at) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("EnqueueTaskOnce"));
  if (kind != TaskKind::kRestoreKey) {
    return InvalidArgument(std::string("EnqueueTaskOnce: no open-task index for ") +
                           TaskKindName(kind));
  }
  // The partial index tasks_open_restore (0015) holds one open restore_key per key: a second
  // insert, also from a concurrent transaction, is kAlreadyExists, which leaves ours usable.
  auto id = s_.InsertUnique(
      "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
      "updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, $3)",
      SqlParams().Text(TaskKindName(kind)).Int(subject_id).Ms(run_at), "open restore_key task");
  if (id.status().code() == StatusCode::kAlreadyExists) return std::optional<Id>();
  VPNHUB_RETURN_IF_ERROR(id.status());
  return std::optional<Id>(*id);
}

Result<Task> SqlTasks::GetTask(Id id) {
  return s_.GetById<Task>(kGetTaskSql, id, "task", ReadTask);
}

Result<std::vector<Task>> SqlTasks::ClaimTasks(Time now, Duration lease, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ClaimTasks"));
  if (s_.dialect() == SqlDialect::kPostgres) {
    return s_.All<Task>(kClaimTasksSql, SqlParams().Ms(now).Int(NonNegative(limit)).Ms(now + lease),
                        ReadTask);
  }
  // SQLite: pick the ids in due order first, then claim each: one UPDATE ... RETURNING would lose
  // that order (it rewrites next_attempt_at and returns rows in no defined order). Both happen in
  // the caller's write transaction, so nobody can claim in between.
  VPNHUB_ASSIGN_OR_RETURN(
      auto ids, s_.All<Id>(kClaimableTasksSql, SqlParams().Ms(now).Int(NonNegative(limit)),
                           [](const SqlRow& r) { return r.Int64(0); }));
  std::vector<Task> tasks;
  tasks.reserve(ids.size());
  for (Id id : ids) {
    VPNHUB_ASSIGN_OR_RETURN(std::optional<Task> task, ClaimTask(id, now, lease));
    if (task) tasks.push_back(std::move(*task));
  }
  return tasks;
}

Result<std::optional<Task>> SqlTasks::ClaimTask(Id id, Time now, Duration lease) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ClaimTask"));
  return s_.First<Task>(kClaimTaskSql, SqlParams().Int(id).Ms(now).Ms(now + lease), ReadTask);
}

Status SqlTasks::FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                                   const std::string& error, Time now) {
  return ConflictUnlessChanged(
      s_,
      s_.Modify("UPDATE tasks SET state = $2, next_attempt_at = $3, last_error = $4, "
                "updated_at = $5 WHERE id = $1 AND state = 'running'",
                SqlParams()
                    .Int(id)
                    .Text(TaskStateName(to_state))
                    .Ms(next_attempt_at)
                    .Text(error)
                    .Ms(now)),
      id);
}

Status SqlTasks::CompleteTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("CompleteTask"));
  return FinishRunningTask(id, TaskState::kDone, now, "", now);
}

Result<int> SqlTasks::CompleteTasks(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("CompleteTasks"));
  if (ids.empty()) return 0;
  if (s_.dialect() == SqlDialect::kPostgres) {
    return s_.ModifyCount(
        "UPDATE tasks SET state = 'done', next_attempt_at = $2, last_error = '', "
        "updated_at = $2 WHERE id = ANY($1::bigint[]) AND state = 'running'",
        SqlParams().Ids(ids).Ms(now));
  }
  // In-process: one prepared compare-and-set per id.
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

Status SqlTasks::RescheduleTask(Id id, Time next_attempt_at, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RescheduleTask"));
  return FinishRunningTask(id, TaskState::kPending, next_attempt_at, error, now);
}

Status SqlTasks::ReleaseTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ReleaseTask"));
  return ConflictUnlessChanged(
      s_,
      s_.Modify(
          SqlText("UPDATE tasks SET state = 'pending', attempts = GREATEST(attempts - 1, 0), "
                  "next_attempt_at = $2, updated_at = $2 WHERE id = $1 AND state = 'running'",
                  "UPDATE tasks SET state = 'pending', attempts = MAX(attempts - 1, 0), "
                  "next_attempt_at = $2, updated_at = $2 WHERE id = $1 AND state = 'running'"),
          SqlParams().Int(id).Ms(now)),
      id);
}

Status SqlTasks::FailTask(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("FailTask"));
  return FinishRunningTask(id, TaskState::kFailed, now, error, now);
}

Status SqlTasks::RetryTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RetryTask"));
  // Handed back to the relay as a new generation: a new message id the stream will not drop.
  return s_.ModifyOne(
      "UPDATE tasks SET state = 'pending', attempts = 0, next_attempt_at = $2, "
      "updated_at = $2, relayed_at = NULL, generation = generation + 1 "
      "WHERE id = $1 AND state = 'failed'",
      SqlParams().Int(id).Ms(now), "tasks", "task", id,
      FailedPrecondition("task " + std::to_string(id) + " is not failed"));
}

Result<std::vector<Task>> SqlTasks::ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                                    Duration lease) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ClaimTasksByIds"));
  if (ids.empty()) return std::vector<Task>();
  return s_.All<Task>(kClaimTasksByIdsSql, SqlParams().Ids(ids).Ms(now).Ms(now + lease), ReadTask);
}

Result<std::vector<Task>> SqlTasks::ListUnrelayedTasks(Time now, int limit) {
  return s_.All<Task>(kUnrelayedTasksSql, SqlParams().Ms(now).Int(NonNegative(limit)), ReadTask);
}

Result<int> SqlTasks::MarkTasksRelayed(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("MarkTasksRelayed"));
  // A compare-and-set on relayed_at, right under READ COMMITTED (WriteKind::kQueue);
  // SERIALIZABLE would only make the relay's mark fail against a worker claiming the same rows.
  if (ids.empty()) return 0;
  return s_.ModifyCount(kMarkTasksRelayedSql, SqlParams().Ids(ids).Ms(now));
}

Result<std::optional<Time>> SqlTasks::OldestUnrelayedDue(Time now) {
  return s_.First<Time>(kOldestUnrelayedDueSql, SqlParams().Ms(now),
                        [](const SqlRow& r) { return r.Ms(0); });
}

Result<int> SqlTasks::RequeueStaleRelayedTasks(Time stale_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RequeueStaleRelayedTasks"));
  return s_.ModifyCount(kStaleRelayedTasksSql,
                        SqlParams().Ms(stale_before).Int(NonNegative(limit)));
}

Result<std::vector<Task>> SqlTasks::ListTasks(std::optional<TaskState> state, int limit) {
  SqlParams params;
  params.Int(NonNegative(limit));
  if (state) params.Text(TaskStateName(*state));
  return s_.All<Task>(state ? kListTasksInStateSql : kListTasksSql, params, ReadTask);
}

}  // namespace vpnhub::storage
