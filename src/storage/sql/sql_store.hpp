#pragma once
// SqlStore: what both SQL stores (SqliteStore, PostgresStore) offer beyond ports::Store: their
// migrations and the plans of the statements that must stay on an index. The CLI's `migrate`
// and `migrations` commands and the plan checks of the tests use it.
#include <string>
#include <vector>

#include "core/ports/store.hpp"
#include "storage/codec.hpp"
#include "storage/sql/indexed_queries.hpp"

namespace vpnhub::storage {

class SqlStore : public ports::Store {
 public:
  using IndexedQuery = storage::IndexedQuery;

  // Applies pending embedded migrations; returns the versions applied (Open already did this,
  // so normally empty). Thread-safe.
  virtual Result<std::vector<int>> Migrate() = 0;
  // Every embedded migration and whether/when it was applied. Thread-safe.
  virtual Result<std::vector<MigrationInfo>> MigrationStatus() = 0;
  // The plan of one of the indexed queries (storage/sql/indexed_queries.hpp) with representative
  // parameters, one plan line per row, for checking that they stay indexed. Thread-safe.
  virtual Result<std::string> ExplainQuery(IndexedQuery query) = 0;
};

}  // namespace vpnhub::storage
