#pragma once
// SqliteUsers: SqlUsers (storage/sql_ports.hpp) over SQLite, defined in sqlite_users.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteUsers = SqlUsers<SqlitePort>;
extern template class SqlUsers<SqlitePort>;

}  // namespace vpnhub::storage
