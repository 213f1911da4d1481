#pragma once
// SqliteTasks: SqlTasks (storage/sql_ports.hpp) over SQLite, defined in sqlite_tasks.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteTasks = SqlTasks<SqlitePort>;
extern template class SqlTasks<SqlitePort>;

}  // namespace vpnhub::storage
