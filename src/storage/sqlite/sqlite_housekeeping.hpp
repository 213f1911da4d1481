#pragma once
// SqliteHousekeeping: SqlHousekeeping (storage/sql_ports.hpp) over SQLite, defined in
// sqlite_housekeeping.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteHousekeeping = SqlHousekeeping<SqlitePort>;
extern template class SqlHousekeeping<SqlitePort>;

}  // namespace vpnhub::storage
