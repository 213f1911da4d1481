#pragma once
// PgBilling: SqlBilling (storage/sql_ports.hpp) over PostgreSQL, defined in pg_billing.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgBilling = SqlBilling<PgPort>;
extern template class SqlBilling<PgPort>;

}  // namespace vpnhub::storage
