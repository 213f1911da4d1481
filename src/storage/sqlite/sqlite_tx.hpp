#pragma once
// The StoreTx of SqliteStore: SqlTx (storage/sql_ports.hpp) over the SQLite port objects.
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_billing.hpp"
#include "storage/sqlite/sqlite_catalog.hpp"
#include "storage/sqlite/sqlite_coordination.hpp"
#include "storage/sqlite/sqlite_housekeeping.hpp"
#include "storage/sqlite/sqlite_keys.hpp"
#include "storage/sqlite/sqlite_messages.hpp"
#include "storage/sqlite/sqlite_tasks.hpp"
#include "storage/sqlite/sqlite_users.hpp"

namespace vpnhub::storage {

using SqliteTx = SqlTx<SqlitePort, Connection>;

}  // namespace vpnhub::storage
