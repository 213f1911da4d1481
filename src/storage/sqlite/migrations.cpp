#include "storage/sqlite/migrations.hpp"

#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT";

Result<bool> IsApplied(Connection& conn, int version) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn.PrepareOnce("SELECT 1 FROM schema_migrations WHERE version = ?1"));
  stmt->BindInt64(1, version);
  return stmt->Step();
}

Status ApplyOne(Connection& conn, const EmbeddedMigration& m, bool& applied) {
  applied = false;
  VPNHUB_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  // Checked again inside the transaction: another process may have applied it meanwhile.
  Result<bool> done = IsApplied(conn, m.version);
  Status st = done.status();
  if (st.ok() && !*done) {
    st = conn.Exec(m.sql);
    if (st.ok()) {
      auto insert = conn.PrepareOnce(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
      st = insert.status();
      if (st.ok()) {
        (*insert)->BindInt64(1, m.version).BindText(2, m.name).BindInt64(3, MigrationAppliedAtMs());
        st = (*insert)->Run();
      }
    }
  }
  if (st.ok()) st = conn.Exec("COMMIT");
  if (!st.ok()) {
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
    return Status(st.code(), "migration " + MigrationLabel(m) + ": " + st.message());
  }
  applied = !*done;
  return Status::Ok();
}

}  // namespace

Result<std::vector<int>> ApplyMigrations(Connection& conn,
                                         const std::vector<EmbeddedMigration>& migrations) {
  VPNHUB_ASSIGN_OR_RETURN(auto sorted, SortedMigrations(migrations));
  VPNHUB_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable));
  std::vector<int> applied_versions;
  for (const EmbeddedMigration& m : sorted) {
    bool applied = false;
    VPNHUB_RETURN_IF_ERROR(ApplyOne(conn, m, applied));
    if (applied) applied_versions.push_back(m.version);
  }
  return applied_versions;
}

Result<std::vector<MigrationInfo>> ReadMigrationStatus(
    Connection& conn, const std::vector<EmbeddedMigration>& migrations) {
  std::vector<MigrationInfo> recorded;
  VPNHUB_ASSIGN_OR_RETURN(
      auto exists,
      conn.PrepareOnce(
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
  VPNHUB_ASSIGN_OR_RETURN(bool has_table, exists->Step());
  if (has_table) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt, conn.PrepareOnce("SELECT version, name, applied_at FROM schema_migrations"));
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
      if (!row) break;
      recorded.push_back(MigrationInfo{stmt->ColumnInt(0), stmt->ColumnText(1),
                                       /*applied=*/true, stmt->ColumnInt64(2)});
    }
  }
  return MergeMigrationStatus(migrations, recorded);
}

}  // namespace vpnhub::storage
