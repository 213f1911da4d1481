#pragma once
// The StoreTx of PostgresStore: one object per port, all on the connection that has the
// transaction open (see pg_port.hpp). Not thread-safe; lives only inside a Write/Read
// callback.
#include "core/ports/store.hpp"
#include "storage/postgres/pg_catalog.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_coordination.hpp"
#include "storage/postgres/pg_housekeeping.hpp"
#include "storage/postgres/pg_keys.hpp"
#include "storage/postgres/pg_messages.hpp"
#include "storage/postgres/pg_tasks.hpp"
#include "storage/postgres/pg_users.hpp"

namespace vpnhub::storage {

class PgTx final : public ports::StoreTx {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  PgTx(PgConnection& conn, bool read_only)
      : users_(conn, read_only),
        catalog_(conn, read_only),
        keys_(conn, read_only),
        tasks_(conn, read_only),
        messages_(conn, read_only),
        coordination_(conn, read_only),
        housekeeping_(conn, read_only) {}

  ports::UserStore& users() override { return users_; }
  ports::CatalogStore& catalog() override { return catalog_; }
  ports::KeyStore& keys() override { return keys_; }
  ports::TaskStore& tasks() override { return tasks_; }
  ports::MessageStore& messages() override { return messages_; }
  ports::CoordinationStore& coordination() override { return coordination_; }
  ports::HousekeepingStore& housekeeping() override { return housekeeping_; }

 private:
  PgUsers users_;
  PgCatalog catalog_;
  PgKeys keys_;
  PgTasks tasks_;
  PgMessages messages_;
  PgCoordination coordination_;
  PgHousekeeping housekeeping_;
};

}  // namespace vpnhub::storage
