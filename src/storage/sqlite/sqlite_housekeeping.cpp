// SqliteHousekeeping: the statistics, the retention purge and the cheap counts behind them.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteHousekeeping = SqlHousekeeping<SqlitePort>;

// INDEXED BY: tasks_state would also serve state = 'done', but then every done task is sorted
// for the ORDER BY; the partial index walks the oldest settled ones and stops at the LIMIT.
const char kPurgeDoneTasksSql[] =
    "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks INDEXED BY tasks_done_settled "
    "WHERE state = 'done' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)";
const char kPurgeSettledMessagesSql[] =
    "DELETE FROM outgoing_messages WHERE id IN (SELECT id FROM outgoing_messages "
    "INDEXED BY outgoing_messages_settled WHERE state IN ('sent', 'failed') AND updated_at < ?1 "
    "ORDER BY updated_at LIMIT ?2)";
const char kCountMessagesSql[] = "SELECT count(*) FROM outgoing_messages WHERE state = ?1";
// stat_counters is kept by the triggers of migration 0007: a handful of rows.
const char kStatCountersSql[] = "SELECT name, value FROM stat_counters";

namespace {

int NonNegativeLimit(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

template <>
Result<int> SqliteHousekeeping::PurgeDoneTasks(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeDoneTasks"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kPurgeDoneTasksSql));
  stmt->BindInt64(1, ToUnixMs(settled_before)).BindInt64(2, NonNegativeLimit(limit));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.Changes();
}

template <>
Result<int> SqliteHousekeeping::PurgeSettledMessages(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeSettledMessages"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kPurgeSettledMessagesSql));
  stmt->BindInt64(1, ToUnixMs(settled_before)).BindInt64(2, NonNegativeLimit(limit));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.Changes();
}

// The triggers update stat_counters in place, in the transaction of each change.
template <>
Status SqliteHousekeeping::FoldStatCounters() {
  return CheckWritable("FoldStatCounters");
}

template <>
Status SqliteHousekeeping::ReadStatCounters(ports::StoreStats& stats) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kStatCountersSql));
  return ForEachRow(*stmt, [&](const Statement& s) -> Status {
    const std::string name = s.ColumnText(0);
    const std::int64_t value = s.ColumnInt64(1);
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

template <>
Result<ports::StoreStats> SqliteHousekeeping::Stats() {
  ports::StoreStats stats;
  // Counting users and keys here cost ~90 ms at 1,000,000 keys; the counters cost a few rows.
  VPNHUB_RETURN_IF_ERROR(ReadStatCounters(stats));
  {
    // Spelled as IN rather than != 'done' so the tasks_state index skips the done
    // tasks, which pile up forever.
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("SELECT kind, state, count(*) FROM tasks "
                      "WHERE state IN ('pending', 'running', 'failed') GROUP BY kind, state"));
    VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) -> Status {
      std::string kind_name = s.ColumnText(0);
      std::string state_name = s.ColumnText(1);
      auto kind = ParseTaskKind(kind_name);
      auto state = ParseTaskState(state_name);
      if (!kind || !state) {
        return Internal("tasks: unknown kind/state '" + kind_name + "'/'" + state_name + "'");
      }
      stats.tasks[{*kind, *state}] = s.ColumnInt64(2);
      return Status::Ok();
    }));
  }
  {
    // Every open state is reported, zero included; sent messages are not counted at all.
    for (MessageState state :
         {MessageState::kPending, MessageState::kSending, MessageState::kFailed}) {
      stats.messages_by_state[state] = 0;
    }
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kMessageStatsSql));
    VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) -> Status {
      std::string name = s.ColumnText(0);
      auto state = ParseMessageState(name);
      if (!state) return Internal("outgoing_messages: unknown state '" + name + "'");
      stats.messages_by_state[*state] = s.ColumnInt64(1);
      return Status::Ok();
    }));
  }
  return stats;
}

template class SqlHousekeeping<SqlitePort>;

}  // namespace vpnhub::storage
