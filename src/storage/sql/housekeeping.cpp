// SqlHousekeeping: the statistics, the retention purge and the cheap counts behind them
// (ports::HousekeepingStore).
#include "storage/sql/indexed_queries.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {

// The partial indexes of migration 0007 hold only settled rows: an ordered walk from the oldest
// that stops at the LIMIT. PostgreSQL: `= ANY(ARRAY(...))` makes the ids one array the primary
// key is searched with; with `IN (SELECT ...)` the planner may hash the batch and scan the whole
// table. SQLite: INDEXED BY, since tasks_state would also serve state = 'done', but then every
// done task is sorted for the ORDER BY.
const SqlText kPurgeDoneTasksSql(
    "DELETE FROM tasks WHERE id = ANY(ARRAY(SELECT id FROM tasks WHERE state = 'done' "
    "AND updated_at < $1 ORDER BY updated_at LIMIT $2))",
    "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_done_settled "
    "WHERE state = 'done' AND updated_at < $1 ORDER BY updated_at LIMIT $2)");
const SqlText kPurgeSettledMessagesSql(
    "DELETE FROM outgoing_messages WHERE id = ANY(ARRAY(SELECT id FROM outgoing_messages "
    "WHERE state IN ('sent', 'failed') AND updated_at < $1 ORDER BY updated_at LIMIT $2))",
    "DELETE FROM outgoing_messages WHERE id IN (SELECT id FROM outgoing_messages "
    "INDEXED BY outgoing_messages_settled WHERE state IN ('sent', 'failed') AND updated_at < $1 "
    "ORDER BY updated_at LIMIT $2)");
// IN rather than != 'sent', so the state index skips the sent rows, which pile up forever.
const SqlText kMessageStatsSql =
    "SELECT state, count(*) FROM outgoing_messages "
    "WHERE state IN ('pending', 'sending', 'failed') GROUP BY state";
// The slot index of migration 0001 holds exactly the slot-holding keys, in server order; the
// revoked and failed keys (most of the table, in time) are not in it. SQLite: INDEXED BY, since
// the planner may otherwise walk the whole table.
const SqlText kSlotKeysByServerSql(
    "SELECT server_id, state, count(*) FROM keys WHERE holds_slot GROUP BY server_id, state",
    "SELECT server_id, state, count(*) FROM keys INDEXED BY keys_server_slot_held "
    "WHERE holds_slot = 1 GROUP BY server_id, state");

namespace {

// A count (migration 0007). PostgreSQL: its folded total plus the deltas appended since. SQLite:
// stat_counters is kept in place by triggers, a handful of rows.
constexpr SqlText kStatCountersSql(
    "SELECT name, sum(value)::bigint FROM (SELECT name, value FROM stat_counters "
    "UNION ALL SELECT name, delta FROM stat_deltas) counts GROUP BY name",
    "SELECT name, value FROM stat_counters");
// PostgreSQL only, under READ COMMITTED: the deltas another transaction appends meanwhile are not
// deleted (not seen) and wait for the next fold; two folds at once take turns on the rows they
// both see.
constexpr SqlText kFoldStatCountersSql =
    "WITH folded AS (DELETE FROM stat_deltas RETURNING name, delta) "
    "INSERT INTO stat_counters (name, value) SELECT name, sum(delta) FROM folded GROUP BY name "
    "ON CONFLICT (name) DO UPDATE SET value = stat_counters.value + EXCLUDED.value";
// Spelled as IN rather than != 'done' so the tasks_state index skips the done tasks, which pile
// up forever.
constexpr SqlText kTaskStatsSql =
    "SELECT kind, state, count(*) FROM tasks "
    "WHERE state IN ('pending', 'running', 'failed') GROUP BY kind, state";

}  // namespace

Result<int> SqlHousekeeping::PurgeDoneTasks(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("PurgeDoneTasks"));
  // Done rows change no more: nothing to serialise against (WriteKind::kQueue suits it).
  return s_.ModifyCount(kPurgeDoneTasksSql, SqlParams().Ms(settled_before).Int(NonNegative(limit)));
}

Result<int> SqlHousekeeping::PurgeSettledMessages(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("PurgeSettledMessages"));
  return s_.ModifyCount(kPurgeSettledMessagesSql,
                        SqlParams().Ms(settled_before).Int(NonNegative(limit)));
}

Status SqlHousekeeping::FoldStatCounters() {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("FoldStatCounters"));
  // SQLite's triggers update stat_counters in place, in the transaction of each change.
  if (s_.dialect() == SqlDialect::kSqlite) return Status::Ok();
  return s_.Modify(kFoldStatCountersSql, SqlParams()).status();
}

Status SqlHousekeeping::ReadStatCounters(ports::StoreStats& stats) {
  return s_.Query(kStatCountersSql, SqlParams(), [&](const SqlRow& r) -> Status {
    const std::string name = r.Text(0);
    const std::int64_t value = r.Int64(1);
    if (name == "users") {
      stats.users = value;
      return Status::Ok();
    }
    if (name.starts_with("keys:")) {
      auto state = ParseKeyState(name.substr(5));
      if (!state) return Internal("stat_counters: unknown key state in '" + name + "'");
      if (value != 0) stats.keys_by_state[*state] = value;
      return Status::Ok();
    }
    return Internal("stat_counters: unknown counter '" + name + "'");
  });
}

Result<std::vector<ports::ServerKeyCount>> SqlHousekeeping::CountSlotKeysByServer() {
  std::vector<ports::ServerKeyCount> counts;
  VPNHUB_RETURN_IF_ERROR(
      s_.Query(kSlotKeysByServerSql, SqlParams(), [&](const SqlRow& r) -> Status {
        const std::string name = r.Text(1);
        auto state = ParseKeyState(name);
        if (!state) return Internal("keys: unknown state '" + name + "'");
        counts.push_back({r.Int64(0), *state, r.Int64(2)});
        return Status::Ok();
      }));
  return counts;
}

Result<ports::StoreStats> SqlHousekeeping::Stats() {
  ports::StoreStats stats;
  // Counting users and keys here cost ~90 ms (SQLite) and tens of milliseconds (PostgreSQL) at
  // 1,000,000 keys; the counters cost a few rows.
  VPNHUB_RETURN_IF_ERROR(ReadStatCounters(stats));
  VPNHUB_RETURN_IF_ERROR(s_.Query(kTaskStatsSql, SqlParams(), [&](const SqlRow& r) -> Status {
    std::string kind_name = r.Text(0);
    std::string state_name = r.Text(1);
    auto kind = ParseTaskKind(kind_name);
    auto state = ParseTaskState(state_name);
    if (!kind || !state) {
      return Internal("tasks: unknown kind/state '" + kind_name + "'/'" + state_name + "'");
    }
    stats.tasks[{*kind, *state}] = r.Int64(2);
    return Status::Ok();
  }));
  // Every open state is reported, zero included; sent messages are not counted at all.
  for (MessageState state :
       {MessageState::kPending, MessageState::kSending, MessageState::kFailed}) {
    stats.messages_by_state[state] = 0;
  }
  VPNHUB_RETURN_IF_ERROR(s_.Query(kMessageStatsSql, SqlParams(), [&](const SqlRow& r) -> Status {
    std::string name = r.Text(0);
    auto state = ParseMessageState(name);
    if (!state) return Internal("outgoing_messages: unknown state '" + name + "'");
    stats.messages_by_state[*state] = r.Int64(1);
    return Status::Ok();
  }));
  return stats;
}

}  // namespace vpnhub::storage
