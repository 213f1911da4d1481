#pragma once
// PgCatalog: SqlCatalog (storage/sql_ports.hpp) over PostgreSQL, defined in pg_catalog.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgCatalog = SqlCatalog<PgPort>;
extern template class SqlCatalog<PgPort>;

}  // namespace vpnhub::storage
