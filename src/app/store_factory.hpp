#pragma once
// Opens the store DATABASE_URL names: sqlite://<path> (embedded) or postgres(ql)://... .
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "storage/sqlite/migrations.hpp"

namespace vpnhub::app {

struct OpenedStore {
  std::unique_ptr<ports::Store> store;
  std::string kind;  // "sqlite" or "postgres"
  // Every embedded migration of this store's dialect and whether/when it was applied.
  std::function<Result<std::vector<storage::MigrationInfo>>()> migration_status;
};

// Opens the database, applying pending migrations (under an advisory lock on PostgreSQL, so
// instances starting together never race). `pool_size` is the PostgreSQL connection count.
// kInvalidArgument for an unknown scheme; the adapter's errors otherwise (kUnavailable when the
// server cannot be reached), each message reading "cannot open the database <URL>: <why>" with
// the URL as DatabaseUrlForDisplay shows it (the adapters keep the password out of <why>).
Result<OpenedStore> OpenStore(const std::string& database_url, int pool_size = 8);

// The database URL as it may be printed or logged: a PostgreSQL URL with its password masked
// (MaskUrlSecret), a sqlite:// URL unchanged.
std::string DatabaseUrlForDisplay(const std::string& database_url);

}  // namespace vpnhub::app
