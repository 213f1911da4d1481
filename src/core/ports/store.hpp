#pragma once
// The storage port: every durable fact of VPNHub goes through it.
//
// Work happens inside a transaction object (StoreTx) handed to a callback, so a use case can
// change state and enqueue the task that change implies in one commit (the transactional outbox).
// StoreTx is only a set of accessors: the methods live on one small port per aggregate (people,
// catalogue, keys, tasks, messages, coordination, housekeeping, billing), all of them reached from
// the same transaction, e.g. tx.keys().GetKey(id) or tx.tasks().EnqueueTask(...). A function that
// needs one aggregate may take that port alone (ports::KeyStore&).
//
// Implementations: SqliteStore (embedded default) and PostgresStore. The same contract suite
// (tests/storage/store_contract.hpp) runs against every implementation.
#include <functional>

#include "core/ports/billing_store.hpp"
#include "core/ports/catalog_store.hpp"
#include "core/ports/coordination_store.hpp"
#include "core/ports/housekeeping_store.hpp"
#include "core/ports/invoice_store.hpp"
#include "core/ports/key_store.hpp"
#include "core/ports/message_store.hpp"
#include "core/ports/task_store.hpp"
#include "core/ports/user_store.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// One open transaction: the ports of every aggregate, on the same commit. Valid only inside the
// Store::Write / Store::Read callback that received it; not thread-safe. Each accessor returns
// the same object for the life of the transaction, valid as long as the transaction. In a Read
// transaction every write method of every port fails with kFailedPrecondition.
class StoreTx {
 public:
  virtual ~StoreTx() = default;

  virtual UserStore& users() = 0;
  virtual CatalogStore& catalog() = 0;
  virtual KeyStore& keys() = 0;
  virtual TaskStore& tasks() = 0;
  virtual MessageStore& messages() = 0;
  virtual CoordinationStore& coordination() = 0;
  virtual HousekeepingStore& housekeeping() = 0;
  virtual BillingStore& billing() = 0;
  virtual InvoiceStore& invoices() = 0;
};

// How a write transaction is isolated from the others running at the same time. The caller
// chooses, by what its transaction does; an implementation that runs one writer at a time
// (SQLite) treats every kind alike.
enum class WriteKind {
  // As if the transaction ran alone: whatever it read stays true until it commits (PostgreSQL:
  // SERIALIZABLE; a transaction that loses a conflict is run again). For use cases that read,
  // decide and write: issuing a key, editing the catalogue, retrying a dead letter.
  kDefault,
  // Queue work: claiming tasks or messages, recording a claimed task's or message's outcome (and
  // what that outcome implies), sweeping due keys, job leases, updates taken, purges, folding
  // counts. Each statement sees the latest committed rows (PostgreSQL: READ COMMITTED), so
  // concurrent workers on different rows never fail one another; in exchange a write that
  // depends on an earlier read must itself be a compare-and-set on the row's state (as every
  // queue method is) or follow a read that locks the row (GetAlertThrottle does).
  kQueue,
};

class Store {
 public:
  using TxFn = std::function<Status(StoreTx&)>;

  virtual ~Store() = default;
  // Runs fn in one write transaction of the given kind: commits when fn returns Ok, otherwise
  // rolls back and returns fn's status. A failed commit returns kUnavailable/kInternal. fn may
  // run more than once (an implementation runs a transaction again after a conflict it lost), so
  // it must be re-runnable; only the last run commits. Thread-safe.
  Status Write(WriteKind kind, const TxFn& fn) { return RunWrite(kind, fn); }
  // Write(WriteKind::kDefault, fn).
  Status Write(const TxFn& fn) { return RunWrite(WriteKind::kDefault, fn); }
  // Runs fn in a read-only transaction (a consistent snapshot); write methods fail there.
  // Thread-safe; may run concurrently with a writer.
  virtual Status Read(const TxFn& fn) = 0;
  // Ok when the database is reachable and carries our schema; kUnavailable otherwise.
  // Thread-safe; cheap enough to call every second.
  virtual Status Ping() = 0;

 private:
  // What Write does, for implementations.
  virtual Status RunWrite(WriteKind kind, const TxFn& fn) = 0;
};

}  // namespace vpnhub::ports
