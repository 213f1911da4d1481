#pragma once
// PgMessages: SqlMessages (storage/sql_ports.hpp) over PostgreSQL, defined in pg_messages.cpp.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgMessages = SqlMessages<PgPort>;
extern template class SqlMessages<PgPort>;

}  // namespace vpnhub::storage
