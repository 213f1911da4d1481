#pragma once
// PgTasks: SqlTasks (storage/sql_ports.hpp) over PostgreSQL, defined in pg_tasks.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgTasks = SqlTasks<PgPort>;
extern template class SqlTasks<PgPort>;

}  // namespace vpnhub::storage
