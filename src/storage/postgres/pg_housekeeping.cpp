// PgHousekeeping: the statistics, the retention purge and the cheap counts behind them.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgHousekeeping = SqlHousekeeping<PgPort>;

// The partial indexes of migration 0007 hold only settled rows: an ordered walk from the oldest
// that stops at the LIMIT. `= ANY(ARRAY(...))` makes the ids one array the primary key is
// searched with; with `IN (SELECT ...)` the planner may hash the batch and scan the whole table.
const char kPgPurgeDoneTasksSql[] =
    "DELETE FROM tasks WHERE id = ANY(ARRAY(SELECT id FROM tasks WHERE state = 'done' "
    "AND updated_at < $1 ORDER BY updated_at LIMIT $2))";
const char kPgPurgeSettledMessagesSql[] =
    "DELETE FROM outgoing_messages WHERE id = ANY(ARRAY(SELECT id FROM outgoing_messages "
    "WHERE state IN ('sent', 'failed') AND updated_at < $1 ORDER BY updated_at LIMIT $2))";
const char kPgCountMessagesSql[] = "SELECT count(*) FROM outgoing_messages WHERE state = $1";

namespace {

// A count is its folded total plus the deltas appended since (migration 0007).
constexpr char kStatCountersSql[] =
    "SELECT name, sum(value)::bigint FROM (SELECT name, value FROM stat_counters "
    "UNION ALL SELECT name, delta FROM stat_deltas) counts GROUP BY name";
// Under READ COMMITTED: the deltas another transaction appends meanwhile are not deleted (not
// seen) and wait for the next fold; two folds at once take turns on the rows they both see.
constexpr char kFoldStatCountersSql[] =
    "WITH folded AS (DELETE FROM stat_deltas RETURNING name, delta) "
    "INSERT INTO stat_counters (name, value) SELECT name, sum(delta) FROM folded GROUP BY name "
    "ON CONFLICT (name) DO UPDATE SET value = stat_counters.value + EXCLUDED.value";

int NonNegativeLimit(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

template <>
Result<int> PgHousekeeping::PurgeDoneTasks(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeDoneTasks"));
  // Done rows change no more: nothing to serialise against (WriteKind::kQueue suits it).
  VPNHUB_ASSIGN_OR_RETURN(
      auto n, Modify(kPgPurgeDoneTasksSql,
                     PgParams().Int(ToUnixMs(settled_before)).Int(NonNegativeLimit(limit))));
  return static_cast<int>(n);
}

template <>
Result<int> PgHousekeeping::PurgeSettledMessages(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeSettledMessages"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto n, Modify(kPgPurgeSettledMessagesSql,
                     PgParams().Int(ToUnixMs(settled_before)).Int(NonNegativeLimit(limit))));
  return static_cast<int>(n);
}

template <>
Status PgHousekeeping::FoldStatCounters() {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FoldStatCounters"));
  return Modify(kFoldStatCountersSql, PgParams()).status();
}

template <>
Status PgHousekeeping::ReadStatCounters(ports::StoreStats& stats) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kStatCountersSql));
  for (int row = 0; row < r.rows(); ++row) {
    const std::string name = r.Text(row, 0);
    const std::int64_t value = r.Int64(row, 1);
    if (name == "users") {
      stats.users = value;
    } else if (name.starts_with("keys:")) {
      auto state = ParseKeyState(name.substr(5));
      if (!state) return Internal("stat_counters: unknown key state in '" + name + "'");
      if (value != 0) stats.keys_by_state[*state] = value;
    } else {
      return Internal("stat_counters: unknown counter '" + name + "'");
    }
  }
  return Status::Ok();
}

template <>
Result<ports::StoreStats> PgHousekeeping::Stats() {
  ports::StoreStats stats;
  // Counting users and keys here cost tens of milliseconds at 1,000,000 keys; the counters cost a
  // few rows (plus the deltas since the last fold).
  VPNHUB_RETURN_IF_ERROR(ReadStatCounters(stats));
  {
    // Spelled as IN rather than != 'done' so the tasks_state index skips the done
    // tasks, which pile up forever.
    VPNHUB_ASSIGN_OR_RETURN(
        auto r,
        conn_.Query("SELECT kind, state, count(*) FROM tasks "
                    "WHERE state IN ('pending', 'running', 'failed') GROUP BY kind, state"));
    for (int row = 0; row < r.rows(); ++row) {
      std::string kind_name = r.Text(row, 0);
      std::string state_name = r.Text(row, 1);
      auto kind = ParseTaskKind(kind_name);
      auto state = ParseTaskState(state_name);
      if (!kind || !state) {
        return Internal("tasks: unknown kind/state '" + kind_name + "'/'" + state_name + "'");
      }
      stats.tasks[{*kind, *state}] = r.Int64(row, 2);
    }
  }
  {
    // Every open state is reported, zero included; sent messages are not counted at all (the
    // IN list keeps the state index off the sent rows).
    for (MessageState state :
         {MessageState::kPending, MessageState::kSending, MessageState::kFailed}) {
      stats.messages_by_state[state] = 0;
    }
    VPNHUB_ASSIGN_OR_RETURN(
        auto r, conn_.Query("SELECT state, count(*) FROM outgoing_messages "
                            "WHERE state IN ('pending', 'sending', 'failed') GROUP BY state"));
    for (int row = 0; row < r.rows(); ++row) {
      std::string name = r.Text(row, 0);
      auto state = ParseMessageState(name);
      if (!state) return Internal("outgoing_messages: unknown state '" + name + "'");
      stats.messages_by_state[*state] = r.Int64(row, 1);
    }
  }
  return stats;
}

template class SqlHousekeeping<PgPort>;

}  // namespace vpnhub::storage
