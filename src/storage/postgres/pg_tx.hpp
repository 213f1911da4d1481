#pragma once
// The StoreTx of PostgresStore: SqlTx (storage/sql_ports.hpp) over the PostgreSQL port objects.
#include "storage/postgres/pg_billing.hpp"
#include "storage/postgres/pg_catalog.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_coordination.hpp"
#include "storage/postgres/pg_housekeeping.hpp"
#include "storage/postgres/pg_keys.hpp"
#include "storage/postgres/pg_messages.hpp"
#include "storage/postgres/pg_tasks.hpp"
#include "storage/postgres/pg_users.hpp"

namespace vpnhub::storage {

using PgTx = SqlTx<PgPort, PgConnection>;

}  // namespace vpnhub::storage
