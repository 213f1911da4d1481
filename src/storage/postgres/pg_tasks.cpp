// PgTasks: tasks (the outbox).
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgTasks = SqlTasks<PgPort>;
namespace {

#define VPNHUB_TASK_COLUMNS                                                                      \
  "id, kind, subject_id, state, attempts, next_attempt_at, last_error, created_at, updated_at, " \
  "relayed_at, generation"

constexpr char kGetTaskSql[] = "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE id = $1";
constexpr char kListTasksSql[] =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks ORDER BY id DESC LIMIT $1";
constexpr char kListTasksInStateSql[] =
    "SELECT " VPNHUB_TASK_COLUMNS " FROM tasks WHERE state = $2 ORDER BY id DESC LIMIT $1";
// Claimable: pending and due, or running with an expired lease. One row, changed in place.
constexpr char kClaimTaskSql[] =
    "UPDATE tasks SET state = 'running', attempts = attempts + 1, next_attempt_at = $3, "
    "updated_at = $2 "
    "WHERE id = $1 AND state IN ('pending', 'running') AND next_attempt_at <= $2 "
    "RETURNING " VPNHUB_TASK_COLUMNS;
// The due tasks in due order, locked with SKIP LOCKED so that concurrent claimers (other
// processes) pass over rows another claim holds instead of waiting for it; then all claimed in the
// same statement. RETURNING has no order, so the old next_attempt_at comes along to sort by.
#define VPNHUB_CLAIMABLE_TASKS                                       \
  "SELECT id, next_attempt_at AS due FROM tasks"                     \
  " WHERE state IN ('pending', 'running') AND next_attempt_at <= $1" \
  " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
constexpr char kClaimTasksSql[] =
    "WITH picked AS (" VPNHUB_CLAIMABLE_TASKS
    "), "
    "claimed AS ("
    " UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, next_attempt_at = $3,"
    " updated_at = $1 FROM picked WHERE t.id = picked.id"
    " RETURNING t.id, t.kind, t.subject_id, t.state, t.attempts, t.next_attempt_at,"
    " t.last_error, t.created_at, t.updated_at, t.relayed_at, t.generation, picked.due) "
    "SELECT " VPNHUB_TASK_COLUMNS " FROM claimed ORDER BY due, id";
constexpr char kMarkTasksRelayedSql[] =
    "UPDATE tasks SET relayed_at = $2 WHERE id = ANY($1::bigint[]) AND relayed_at IS NULL";
// The first row ListUnrelayedTasks would return (the same walk as kPgUnrelayedTasksSql).
constexpr char kOldestUnrelayedDueSql[] =
    "SELECT next_attempt_at FROM tasks "
    "WHERE state = 'pending' AND relayed_at IS NULL AND next_attempt_at <= $1 "
    "ORDER BY id LIMIT 1";

}  // namespace

// The rows ClaimTasks picks: a walk of the partial index tasks_claim in claim order (0004).
const char kPgClaimableTasksSql[] = VPNHUB_CLAIMABLE_TASKS;
#undef VPNHUB_CLAIMABLE_TASKS

// ClaimTask for an array of ids in one statement: primary-key lookups, locked with SKIP LOCKED
// as ClaimTasks does (a row another claim holds is left to it), then claimed together.
const char kPgClaimTasksByIdsSql[] =
    "WITH picked AS (SELECT id FROM tasks WHERE id = ANY($1::bigint[])"
    " AND state IN ('pending', 'running') AND next_attempt_at <= $2"
    " FOR UPDATE SKIP LOCKED) "
    "UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, next_attempt_at = $3,"
    " updated_at = $2 FROM picked WHERE t.id = picked.id "
    "RETURNING t.id, t.kind, t.subject_id, t.state, t.attempts, t.next_attempt_at,"
    " t.last_error, t.created_at, t.updated_at, t.relayed_at, t.generation";

// A walk of the partial index tasks_unrelayed (0005) in id order that stops at the LIMIT; rows
// not due yet are filtered on the way. No locks: two relays may read the same rows.
const char kPgUnrelayedTasksSql[] = "SELECT " VPNHUB_TASK_COLUMNS
                                    " FROM tasks WHERE state = 'pending' AND relayed_at IS NULL"
                                    " AND next_attempt_at <= $1 ORDER BY id LIMIT $2";

#undef VPNHUB_TASK_COLUMNS

// Stale relayed tasks, oldest due first: a range of tasks_claim (0004) from its start that skips
// the unrelayed rows on the way (in NATS mode nearly every open task is relayed). SKIP LOCKED: a
// row in a claim right now is not stale.
const char kPgStaleRelayedTasksSql[] =
    "WITH stale AS (SELECT id FROM tasks"
    " WHERE state IN ('pending', 'running') AND next_attempt_at < $1"
    " AND (relayed_at < $1 OR (relayed_at IS NULL AND state = 'running'))"
    " ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE tasks t SET relayed_at = NULL, generation = t.generation + 1, state = 'pending'"
    " FROM stale"
    " WHERE t.id = stale.id";

namespace {

Result<Task> ReadTask(const PgResult& r, int row) {
  Task t;
  t.id = r.Int64(row, 0);
  std::string kind = r.Text(row, 1);
  auto parsed_kind = ParseTaskKind(kind);
  if (!parsed_kind) {
    return Internal("task " + std::to_string(t.id) + ": unknown kind '" + kind + "'");
  }
  t.kind = *parsed_kind;
  t.subject_id = r.Int64(row, 2);
  std::string state = r.Text(row, 3);
  auto parsed_state = ParseTaskState(state);
  if (!parsed_state) {
    return Internal("task " + std::to_string(t.id) + ": unknown state '" + state + "'");
  }
  t.state = *parsed_state;
  t.attempts = r.Int(row, 4);
  t.next_attempt_at = FromUnixMs(r.Int64(row, 5));
  t.last_error = r.Text(row, 6);
  t.created_at = FromUnixMs(r.Int64(row, 7));
  t.updated_at = FromUnixMs(r.Int64(row, 8));
  if (!r.IsNull(row, 9)) t.relayed_at = FromUnixMs(r.Int64(row, 9));
  t.generation = r.Int(row, 10);
  return t;
}

Result<std::vector<Task>> CollectTasks(const Result<PgResult>& r) {
  if (!r.ok()) return r.status();
  std::vector<Task> tasks;
  tasks.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) {
    VPNHUB_ASSIGN_OR_RETURN(Task task, ReadTask(*r, row));
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace

template <>
Result<Id> PgTasks::EnqueueTask(TaskKind kind, Id subject_id, Time run_at) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueTask"));
  // The port passes no separate "now"; the task counts as created when it becomes due.
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(
          "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
          "updated_at) VALUES ($1, $2, 'pending', 0, $3, $3, $3) RETURNING id",
          PgParams().Text(TaskKindName(kind)).Int(subject_id).Int(ToUnixMs(run_at))));
  return r.Int64(0, 0);
}

template <>
Result<Task> PgTasks::GetTask(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kGetTaskSql, PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("task " + std::to_string(id) + " not found");
  return ReadTask(r, 0);
}

template <>
Result<std::vector<Task>> PgTasks::ClaimTasks(Time now, Duration lease, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTasks"));
  return CollectTasks(conn_.Query(
      kClaimTasksSql,
      PgParams().Int(ToUnixMs(now)).Int(limit < 0 ? 0 : limit).Int(ToUnixMs(now + lease))));
}

template <>
Result<std::optional<Task>> PgTasks::ClaimTask(Id id, Time now, Duration lease) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTask"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(kClaimTaskSql, PgParams().Int(id).Int(ToUnixMs(now)).Int(ToUnixMs(now + lease))));
  if (r.rows() == 0) return std::optional<Task>();
  VPNHUB_ASSIGN_OR_RETURN(Task task, ReadTask(r, 0));
  return std::optional<Task>(std::move(task));
}

template <>
Status PgTasks::FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                                  const std::string& error, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE tasks SET state = $2, next_attempt_at = $3, last_error = $4, updated_at = $5 "
             "WHERE id = $1 AND state = 'running'",
             PgParams()
                 .Int(id)
                 .Text(TaskStateName(to_state))
                 .Int(ToUnixMs(next_attempt_at))
                 .Text(error)
                 .Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         Conflict("task " + std::to_string(id) + " is not running"));
}

template <>
Status PgTasks::CompleteTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteTask"));
  return FinishRunningTask(id, TaskState::kDone, now, "", now);
}

template <>
Result<int> PgTasks::CompleteTasks(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteTasks"));
  if (ids.empty()) return 0;
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify(
          "UPDATE tasks SET state = 'done', next_attempt_at = $2, last_error = '', updated_at = $2 "
          "WHERE id = ANY($1::bigint[]) AND state = 'running'",
          PgParams().IntArray(ids).Int(ToUnixMs(now))));
  return static_cast<int>(changed);
}

template <>
Status PgTasks::RescheduleTask(Id id, Time next_attempt_at, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RescheduleTask"));
  return FinishRunningTask(id, TaskState::kPending, next_attempt_at, error, now);
}

template <>
Status PgTasks::ReleaseTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseTask"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE tasks SET state = 'pending', attempts = GREATEST(attempts - 1, 0), "
             "next_attempt_at = $2, updated_at = $2 WHERE id = $1 AND state = 'running'",
             PgParams().Int(id).Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         Conflict("task " + std::to_string(id) + " is not running"));
}

template <>
Status PgTasks::FailTask(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FailTask"));
  return FinishRunningTask(id, TaskState::kFailed, now, error, now);
}

template <>
Status PgTasks::RetryTask(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RetryTask"));
  // Handed back to the relay as a new generation: a new message id the stream will not drop.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE tasks SET state = 'pending', attempts = 0, next_attempt_at = $2, "
             "updated_at = $2, relayed_at = NULL, generation = generation + 1 "
             "WHERE id = $1 AND state = 'failed'",
             PgParams().Int(id).Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange("tasks", "task", id,
                         FailedPrecondition("task " + std::to_string(id) + " is not failed"));
}

template <>
Result<std::vector<Task>> PgTasks::ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                                   Duration lease) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimTasksByIds"));
  if (ids.empty()) return std::vector<Task>();
  return CollectTasks(
      conn_.Query(kPgClaimTasksByIdsSql,
                  PgParams().IntArray(ids).Int(ToUnixMs(now)).Int(ToUnixMs(now + lease))));
}

template <>
Result<std::vector<Task>> PgTasks::ListUnrelayedTasks(Time now, int limit) {
  return CollectTasks(
      conn_.Query(kPgUnrelayedTasksSql, PgParams().Int(ToUnixMs(now)).Int(limit < 0 ? 0 : limit)));
}

template <>
Result<int> PgTasks::MarkTasksRelayed(const std::vector<Id>& ids, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTasksRelayed"));
  // A compare-and-set on relayed_at, right under READ COMMITTED (WriteKind::kQueue);
  // SERIALIZABLE would only make the relay's mark fail against a worker claiming the same rows.
  if (ids.empty()) return 0;
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, Modify(kMarkTasksRelayedSql, PgParams().IntArray(ids).Int(ToUnixMs(now))));
  return static_cast<int>(changed);
}

template <>
Result<std::optional<Time>> PgTasks::OldestUnrelayedDue(Time now) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query(kOldestUnrelayedDueSql, PgParams().Int(ToUnixMs(now))));
  if (r.rows() == 0) return std::optional<Time>();
  return std::optional<Time>(FromUnixMs(r.Int64(0, 0)));
}

template <>
Result<int> PgTasks::RequeueStaleRelayedTasks(Time stale_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RequeueStaleRelayedTasks"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, Modify(kPgStaleRelayedTasksSql,
                           PgParams().Int(ToUnixMs(stale_before)).Int(limit < 0 ? 0 : limit)));
  return static_cast<int>(changed);
}

template <>
Result<std::vector<Task>> PgTasks::ListTasks(std::optional<TaskState> state, int limit) {
  PgParams params;
  params.Int(limit < 0 ? 0 : limit);
  if (state) params.Text(TaskStateName(*state));
  return CollectTasks(conn_.Query(state ? kListTasksInStateSql : kListTasksSql, params));
}

template class SqlTasks<PgPort>;

}  // namespace vpnhub::storage
