#include "app/store_factory.hpp"

#include "app/config.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::app {
namespace {

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

template <typename AdapterStore>
OpenedStore Opened(std::unique_ptr<AdapterStore> store, std::string kind) {
  AdapterStore* adapter = store.get();
  return {std::move(store), std::move(kind), [adapter] { return adapter->MigrationStatus(); }};
}

Result<OpenedStore> OpenUnlabelled(const std::string& database_url, int pool_size) {
  if (IsPostgresUrl(database_url)) {
    storage::PostgresOptions options;
    options.url = database_url;
    options.pool_size = pool_size;
    VPNHUB_ASSIGN_OR_RETURN(auto store, storage::PostgresStore::Open(options));
    return Opened(std::move(store), "postgres");
  }
  storage::SqliteOptions options;
  VPNHUB_ASSIGN_OR_RETURN(options.path, storage::SqlitePathFromUrl(database_url));
  VPNHUB_ASSIGN_OR_RETURN(auto store, storage::SqliteStore::Open(options));
  return Opened(std::move(store), "sqlite");
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
