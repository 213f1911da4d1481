#pragma once
// PgHousekeeping: SqlHousekeeping (storage/sql_ports.hpp) over PostgreSQL, defined in
// pg_housekeeping.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgHousekeeping = SqlHousekeeping<PgPort>;
extern template class SqlHousekeeping<PgPort>;

}  // namespace vpnhub::storage
