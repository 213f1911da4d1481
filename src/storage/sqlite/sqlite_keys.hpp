#pragma once
// SqliteKeys: SqlKeys (storage/sql_ports.hpp) over SQLite, defined in sqlite_keys.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteKeys = SqlKeys<SqlitePort>;
extern template class SqlKeys<SqlitePort>;

}  // namespace vpnhub::storage
