#include "storage/postgres/pg_migrations.hpp"

#include "storage/postgres/pg_connection.hpp"

namespace vpnhub::storage {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// Runs fn in a READ COMMITTED transaction holding the migration lock. Every statement after the
// lock sees what a process that held the lock before us committed.
template <typename Fn>
Status UnderMigrationLock(PgConnection& conn, Fn&& fn) {
  Status st = conn.Exec("BEGIN ISOLATION LEVEL READ COMMITTED");
  if (st.ok()) {
    st = conn.QueryOnce("SELECT pg_advisory_xact_lock($1)", PgParams().Int(kMigrationLockKey))
             .status();
  }
  if (st.ok()) st = fn();
  if (st.ok()) st = conn.Exec("COMMIT");
  if (!st.ok() && !conn.Idle()) (void)conn.Exec("ROLLBACK");
  return st;
}

}  // namespace

Result<std::vector<int>> ApplyPgMigrations(PgConnection& conn,
                                           const std::vector<EmbeddedMigration>& migrations) {
  VPNHUB_ASSIGN_OR_RETURN(auto sorted, SortedMigrations(migrations));
  const int latest = sorted.empty() ? 0 : sorted.back().version;
  VPNHUB_RETURN_IF_ERROR(UnderMigrationLock(conn, [&]() -> Status {
    VPNHUB_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable));
    VPNHUB_ASSIGN_OR_RETURN(
        auto newest, conn.QueryOnce("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    const std::int64_t version = newest.Int64(0, 0);
    VPNHUB_RETURN_IF_ERROR(conn.TakeReadError());
    if (version > latest) {
      return FailedPrecondition("postgres: the database schema is at version " +
                                std::to_string(version) + ", newer than this binary knows (" +
                                std::to_string(latest) + "); run a newer vpnhub");
    }
    return Status::Ok();
  }));
  std::vector<int> applied;
  for (const EmbeddedMigration& m : sorted) {
    bool applied_now = false;
    Status st = UnderMigrationLock(conn, [&]() -> Status {
      // Checked under the lock: another process may have applied it while we waited.
      VPNHUB_ASSIGN_OR_RETURN(auto done,
                              conn.QueryOnce("SELECT 1 FROM schema_migrations WHERE version = $1",
                                             PgParams().Int(m.version)));
      if (done.rows() > 0) return Status::Ok();
      VPNHUB_RETURN_IF_ERROR(conn.Exec(m.sql));
      VPNHUB_RETURN_IF_ERROR(
          conn.QueryOnce(
                  "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                  PgParams().Int(m.version).Text(m.name).Int(MigrationAppliedAtMs()))
              .status());
      applied_now = true;
      return Status::Ok();
    });
    if (!st.ok()) return Status(st.code(), "migration " + MigrationLabel(m) + ": " + st.message());
    if (applied_now) applied.push_back(m.version);
  }
  return applied;
}

Result<std::vector<MigrationInfo>> ReadPgMigrationStatus(
    PgConnection& conn, const std::vector<EmbeddedMigration>& migrations) {
  std::vector<MigrationInfo> recorded;
  VPNHUB_ASSIGN_OR_RETURN(auto exists,
                          conn.QueryOnce("SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (exists.Bool(0, 0)) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto rows, conn.QueryOnce("SELECT version, name, applied_at FROM schema_migrations"));
    for (int r = 0; r < rows.rows(); ++r) {
      recorded.push_back(
          MigrationInfo{rows.Int(r, 0), rows.Text(r, 1), /*applied=*/true, rows.Int64(r, 2)});
    }
  }
  VPNHUB_RETURN_IF_ERROR(conn.TakeReadError());
  return MergeMigrationStatus(migrations, recorded);
}

}  // namespace vpnhub::storage
