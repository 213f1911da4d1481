#pragma once
// SqliteCoordination: SqlCoordination (storage/sql_ports.hpp) over SQLite, defined in
// sqlite_coordination.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteCoordination = SqlCoordination<SqlitePort>;
extern template class SqlCoordination<SqlitePort>;

}  // namespace vpnhub::storage
