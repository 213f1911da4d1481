#pragma once
// PgCoordination: SqlCoordination (storage/sql_ports.hpp) over PostgreSQL, defined in
// pg_coordination.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgCoordination = SqlCoordination<PgPort>;
extern template class SqlCoordination<PgPort>;

}  // namespace vpnhub::storage
