// SqliteTx: the retention purge and the cheap counts behind the statistics.
#include "storage/sqlite/sqlite_tx.hpp"

namespace vpnhub::storage {

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

Result<int> SqliteTx::PurgeDoneTasks(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeDoneTasks"));
  auto stmt = conn_.Prepare(kPurgeDoneTasksSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, ToUnixMs(settled_before)).BindInt64(2, NonNegativeLimit(limit));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.Changes();
}

Result<int> SqliteTx::PurgeSettledMessages(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeSettledMessages"));
  auto stmt = conn_.Prepare(kPurgeSettledMessagesSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, ToUnixMs(settled_before)).BindInt64(2, NonNegativeLimit(limit));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.Changes();
}

Result<std::int64_t> SqliteTx::CountMessages(MessageState state) {
  auto stmt = conn_.Prepare(kCountMessagesSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(1, MessageStateName(state));
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*stmt)->ColumnInt64(0) : 0;
}

// The triggers update stat_counters in place, in the transaction of each change.
Status SqliteTx::FoldStatCounters() { return CheckWritable("FoldStatCounters"); }

Status SqliteTx::ReadStatCounters(ports::StoreStats& stats) {
  auto stmt = conn_.Prepare(kStatCountersSql);
  if (!stmt.ok()) return stmt.status();
  return ForEachRow(**stmt, [&](const Statement& s) -> Status {
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

}  // namespace vpnhub::storage
