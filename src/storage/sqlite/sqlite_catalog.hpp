#pragma once
// SqliteCatalog: SqlCatalog (storage/sql_ports.hpp) over SQLite, defined in sqlite_catalog.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteCatalog = SqlCatalog<SqlitePort>;
extern template class SqlCatalog<SqlitePort>;

}  // namespace vpnhub::storage
