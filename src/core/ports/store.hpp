#pragma once
// The storage port: every durable fact of VPNHub goes through it.
//
// Work happens inside a transaction object (StoreTx) handed to a callback, so a use case can
// change state and enqueue the task that change implies in one commit (the transactional outbox).
// StoreTx is only a set of accessors: the methods live on one small port per aggregate (people,
// catalogue, keys, tasks, messages, coordination, housekeeping), all of them reached from the
// same transaction, e.g. tx.keys().GetKey(id) or tx.tasks().EnqueueTask(...). A function that
// needs one aggregate may take that port alone (ports::KeyStore&).
//
// Implementations: SqliteStore (embedded default) and PostgresStore. The same contract suite
// (tests/storage/store_contract.hpp) runs against every implementation.
#include <functional>

#include "core/ports/catalog_store.hpp"
#include "core/ports/coordination_store.hpp"
#include "core/ports/housekeeping_store.hpp"
#include "core/ports/key_store.hpp"
#include "core/ports/message_store.hpp"
#include "core/ports/task_store.hpp"
#include "core/ports/user_store.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// One open transaction: the ports of every aggregate, on the same commit. Valid only inside the
// Store::Write / Store::Read callback that received it; not thread-safe. Each accessor returns
// the same object for the life of the transaction. In a Read transaction every write method of
// every port fails with kFailedPrecondition.
//
// (While the call sites move to the accessors, StoreTx still is every port itself.)
class StoreTx : public UserStore,
                public CatalogStore,
                public KeyStore,
                public TaskStore,
                public MessageStore,
                public CoordinationStore,
                public HousekeepingStore {
 public:
  ~StoreTx() override = default;

  UserStore& users() { return *this; }
  CatalogStore& catalog() { return *this; }
  KeyStore& keys() { return *this; }
  TaskStore& tasks() { return *this; }
  MessageStore& messages() { return *this; }
  CoordinationStore& coordination() { return *this; }
  HousekeepingStore& housekeeping() { return *this; }
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs fn in one write transaction: commits when fn returns Ok, otherwise rolls back and
  // returns fn's status. A failed commit returns kUnavailable/kInternal. Thread-safe; write
  // transactions are serialised.
  virtual Status Write(const std::function<Status(StoreTx&)>& fn) = 0;
  // Runs fn in a read-only transaction (a consistent snapshot); write methods fail there.
  // Thread-safe; may run concurrently with a writer.
  virtual Status Read(const std::function<Status(StoreTx&)>& fn) = 0;
  // Ok when the database is reachable and carries our schema; kUnavailable otherwise.
  // Thread-safe; cheap enough to call every second.
  virtual Status Ping() = 0;
};

}  // namespace vpnhub::ports
