#include "app/store_factory.hpp"

#include "app/config.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::app {
namespace {

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

Result<OpenedStore> OpenUnlabelled(const std::string& database_url, int pool_size) {
  OpenedStore out;
  if (IsPostgresUrl(database_url)) {
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

}  // namespace

std::string DatabaseUrlForDisplay(const std::string& database_url) {
  return IsPostgresUrl(database_url) ? MaskUrlSecret(database_url) : database_url;
}

Result<OpenedStore> OpenStore(const std::string& database_url, int pool_size) {
  auto opened = OpenUnlabelled(database_url, pool_size);
  if (opened.ok()) return opened;
  // The adapter's message carries no password (PgConnection::Open scrubs libpq's text).
  return Status(opened.status().code(), "cannot open the database " +
                                            DatabaseUrlForDisplay(database_url) + ": " +
                                            opened.status().message());
}

}  // namespace vpnhub::app
