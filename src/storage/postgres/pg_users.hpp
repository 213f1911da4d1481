#pragma once
// PgUsers: SqlUsers (storage/sql_ports.hpp) over PostgreSQL, defined in pg_users.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgUsers = SqlUsers<PgPort>;
extern template class SqlUsers<PgPort>;

}  // namespace vpnhub::storage
