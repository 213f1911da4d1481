#pragma once
// Schema migrations for the PostgreSQL store: numbered SQL files compiled into the binary, the
// same numbering as the SQLite ones.
// EmbeddedMigration and MigrationInfo are in storage/codec.hpp, shared with the SQLite store.
#include <cstdint>
#include <vector>

#include "core/status.hpp"
#include "storage/codec.hpp"

namespace vpnhub::storage {

class PgConnection;

// The migrations in src/storage/migrations/postgres/, ascending by version. Generated at build
// time (see src/storage/postgres/CMakeLists.txt).
const std::vector<EmbeddedMigration>& PostgresEmbeddedMigrations();

// The key of the transaction-scoped advisory lock every schema change takes, so that processes
// starting at once apply each migration exactly once, one after the other.
inline constexpr std::int64_t kMigrationLockKey = 0x76706e6875620001;  // "vpnhub" 0001

// Creates schema_migrations when missing, then applies every migration of `migrations` that is
// not recorded there, in version order, each in its own transaction together with its
// schema_migrations row, holding the advisory lock (so a concurrent process waits, then sees the
// migration as applied). Returns the versions this call applied. kFailedPrecondition, before
// anything is applied, when the database records a version newer than the newest of
// `migrations` (a newer binary migrated it). Stops at the first failure: that migration is
// rolled back, earlier ones stay. kInvalidArgument for duplicate or non-positive versions.
// `conn` must be outside any transaction.
Result<std::vector<int>> ApplyPgMigrations(PgConnection& conn,
                                           const std::vector<EmbeddedMigration>& migrations);

// Every migration of `migrations` plus any version recorded in the database but unknown to this
// binary, ascending by version.
Result<std::vector<MigrationInfo>> ReadPgMigrationStatus(
    PgConnection& conn, const std::vector<EmbeddedMigration>& migrations);

}  // namespace vpnhub::storage
