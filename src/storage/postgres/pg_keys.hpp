#pragma once
// PgKeys: SqlKeys (storage/sql_ports.hpp) over PostgreSQL, defined in pg_keys.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgKeys = SqlKeys<PgPort>;
extern template class SqlKeys<PgPort>;

}  // namespace vpnhub::storage
