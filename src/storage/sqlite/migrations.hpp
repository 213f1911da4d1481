#pragma once
// Schema migrations for the SQLite store: numbered SQL files compiled into the binary.
#include <vector>

#include "core/status.hpp"
#include "storage/codec.hpp"

namespace vpnhub::storage {

class Connection;

// The migrations in src/storage/migrations/sqlite/, ascending by version. Generated at build time
// (see src/storage/CMakeLists.txt), so the binary needs no files at run time.
const std::vector<EmbeddedMigration>& SqliteEmbeddedMigrations();

// Creates schema_migrations when missing, then applies every migration of `migrations` that is
// not recorded there, in version order, each in its own BEGIN IMMEDIATE transaction together with
// its schema_migrations row. Returns the versions applied (empty when up to date). Stops at the
// first failure: that migration is rolled back, earlier ones stay. kInvalidArgument when the list
// has duplicate or non-positive versions. `conn` must be a writable connection outside any
// transaction.
Result<std::vector<int>> ApplyMigrations(Connection& conn,
                                         const std::vector<EmbeddedMigration>& migrations);

// Every migration of `migrations` plus any version recorded in the database but unknown to this
// binary (applied by a newer one), ascending by version.
Result<std::vector<MigrationInfo>> ReadMigrationStatus(
    Connection& conn, const std::vector<EmbeddedMigration>& migrations);

}  // namespace vpnhub::storage
