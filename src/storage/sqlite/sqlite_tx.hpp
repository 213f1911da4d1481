#pragma once
// The StoreTx of SqliteStore: one object per port, all on the connection that has the
// transaction open (see sqlite_port.hpp). Not thread-safe; lives only inside a Write/Read
// callback.
#include "core/ports/store.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_catalog.hpp"
#include "storage/sqlite/sqlite_coordination.hpp"
#include "storage/sqlite/sqlite_housekeeping.hpp"
#include "storage/sqlite/sqlite_keys.hpp"
#include "storage/sqlite/sqlite_messages.hpp"
#include "storage/sqlite/sqlite_tasks.hpp"
#include "storage/sqlite/sqlite_users.hpp"

namespace vpnhub::storage {

class SqliteTx final : public ports::StoreTx {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  SqliteTx(Connection& conn, bool read_only)
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
  SqliteUsers users_;
  SqliteCatalog catalog_;
  SqliteKeys keys_;
  SqliteTasks tasks_;
  SqliteMessages messages_;
  SqliteCoordination coordination_;
  SqliteHousekeeping housekeeping_;
};

}  // namespace vpnhub::storage
