#include "app/store_factory.hpp"

#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::app {

Result<OpenedStore> OpenStore(const std::string& database_url, int pool_size) {
  OpenedStore out;
  if (database_url.rfind("postgres://", 0) == 0 || database_url.rfind("postgresql://", 0) == 0) {
    storage::PostgresOptions options;
    options.url = database_url;
    options.pool_size = pool_size;
    auto store = storage::PostgresStore::Open(options);
    if (!store.ok()) return store.status();
    storage::PostgresStore* pg = store->get();
    out.kind = "postgres";
    out.migration_status = [pg] { return pg->MigrationStatus(); };
    out.store = std::move(*store);
    return out;
  }
  auto path = storage::SqlitePathFromUrl(database_url);
  if (!path.ok()) return path.status();
  storage::SqliteOptions options;
  options.path = *path;
  auto store = storage::SqliteStore::Open(options);
  if (!store.ok()) return store.status();
  storage::SqliteStore* sqlite = store->get();
  out.kind = "sqlite";
  out.migration_status = [sqlite] { return sqlite->MigrationStatus(); };
  out.store = std::move(*store);
  return out;
}

}  // namespace vpnhub::app
