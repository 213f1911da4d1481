// PgTx: the retention purge and the cheap counts behind the statistics.
#include "storage/postgres/pg_tx.hpp"

namespace vpnhub::storage {

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

Result<int> PgTx::PurgeDoneTasks(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeDoneTasks"));
  // Done rows change no more: nothing to serialise against (WriteKind::kQueue suits it).
  auto n = Modify(kPgPurgeDoneTasksSql,
                  PgParams().Int(ToUnixMs(settled_before)).Int(NonNegativeLimit(limit)));
  if (!n.ok()) return n.status();
  return static_cast<int>(*n);
}

Result<int> PgTx::PurgeSettledMessages(Time settled_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PurgeSettledMessages"));
  auto n = Modify(kPgPurgeSettledMessagesSql,
                  PgParams().Int(ToUnixMs(settled_before)).Int(NonNegativeLimit(limit)));
  if (!n.ok()) return n.status();
  return static_cast<int>(*n);
}

Result<std::int64_t> PgTx::CountMessages(MessageState state) {
  auto r = conn_.Query(kPgCountMessagesSql, PgParams().Text(MessageStateName(state)));
  if (!r.ok()) return r.status();
  return r->Int64(0, 0);
}

Status PgTx::FoldStatCounters() {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FoldStatCounters"));
  return Modify(kFoldStatCountersSql, PgParams()).status();
}

Status PgTx::ReadStatCounters(ports::StoreStats& stats) {
  auto r = conn_.Query(kStatCountersSql);
  if (!r.ok()) return r.status();
  for (int row = 0; row < r->rows(); ++row) {
    const std::string name = r->Text(row, 0);
    const std::int64_t value = r->Int64(row, 1);
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

}  // namespace vpnhub::storage
