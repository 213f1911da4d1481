#include "storage/sqlite/migrations.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {
namespace {

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT";

// Migration timestamps are bookkeeping for operators, not domain time, so they come from the
// system clock rather than an injected one.
std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Label(const EmbeddedMigration& m) {
  std::string version = std::to_string(m.version);
  if (version.size() < 4) version.insert(0, 4 - version.size(), '0');
  return version + "_" + m.name;
}

Result<std::vector<EmbeddedMigration>> Sorted(const std::vector<EmbeddedMigration>& migrations) {
  std::vector<EmbeddedMigration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].version <= 0) {
      return InvalidArgument("migration " + Label(sorted[i]) + ": version must be positive");
    }
    if (i > 0 && sorted[i].version == sorted[i - 1].version) {
      return InvalidArgument("migrations " + Label(sorted[i - 1]) + " and " + Label(sorted[i]) +
                             " share a version");
    }
  }
  return sorted;
}

Result<bool> IsApplied(Connection& conn, int version) {
  auto stmt = conn.PrepareOnce("SELECT 1 FROM schema_migrations WHERE version = ?1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, version);
  return (*stmt)->Step();
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
        (*insert)->BindInt64(1, m.version).BindText(2, m.name).BindInt64(3, SystemNowMs());
        st = (*insert)->Run();
      }
    }
  }
  if (st.ok()) st = conn.Exec("COMMIT");
  if (!st.ok()) {
    if (conn.InTransaction()) (void)conn.Exec("ROLLBACK");
    return Status(st.code(), "migration " + Label(m) + ": " + st.message());
  }
  applied = !*done;
  return Status::Ok();
}

}  // namespace

Result<std::vector<int>> ApplyMigrations(Connection& conn,
                                         const std::vector<EmbeddedMigration>& migrations) {
  auto sorted = Sorted(migrations);
  if (!sorted.ok()) return sorted.status();
  VPNHUB_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable));
  std::vector<int> applied_versions;
  for (const EmbeddedMigration& m : *sorted) {
    bool applied = false;
    VPNHUB_RETURN_IF_ERROR(ApplyOne(conn, m, applied));
    if (applied) applied_versions.push_back(m.version);
  }
  return applied_versions;
}

Result<std::vector<MigrationInfo>> ReadMigrationStatus(
    Connection& conn, const std::vector<EmbeddedMigration>& migrations) {
  std::map<int, MigrationInfo> by_version;
  for (const EmbeddedMigration& m : migrations) {
    by_version[m.version] = MigrationInfo{m.version, m.name, false, 0};
  }
  auto exists = conn.PrepareOnce(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists.ok()) return exists.status();
  Result<bool> has_table = (*exists)->Step();
  if (!has_table.ok()) return has_table.status();
  if (*has_table) {
    auto stmt = conn.PrepareOnce("SELECT version, name, applied_at FROM schema_migrations");
    if (!stmt.ok()) return stmt.status();
    for (;;) {
      Result<bool> row = (*stmt)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      int version = (*stmt)->ColumnInt(0);
      MigrationInfo& info = by_version[version];
      info.version = version;
      if (info.name.empty()) info.name = (*stmt)->ColumnText(1);
      info.applied = true;
      info.applied_at_ms = (*stmt)->ColumnInt64(2);
    }
  }
  std::vector<MigrationInfo> result;
  result.reserve(by_version.size());
  for (auto& [version, info] : by_version) result.push_back(std::move(info));
  return result;
}

}  // namespace vpnhub::storage
