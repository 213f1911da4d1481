#pragma once
// SqliteBilling: SqlBilling (storage/sql_ports.hpp) over SQLite, defined in sqlite_billing.cpp.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteBilling = SqlBilling<SqlitePort>;
extern template class SqlBilling<SqlitePort>;

}  // namespace vpnhub::storage
