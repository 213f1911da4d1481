#pragma once
// SqliteMessages: SqlMessages (storage/sql_ports.hpp) over SQLite, defined in sqlite_messages.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteMessages = SqlMessages<SqlitePort>;
extern template class SqlMessages<SqlitePort>;

}  // namespace vpnhub::storage
