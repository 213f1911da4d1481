#pragma once
// PostgresStore: the PostgreSQL implementation of ports::Store, for deployments where several
// VPNHub processes share one database.
//
// A pool of libpq connections serves every Write and Read. Writes of WriteKind::kDefault run
// SERIALIZABLE, so a use case that reads, decides and writes behaves as if it ran alone even
// across processes; a transaction that loses a serialization conflict (or a deadlock) is rolled
// back and its callback run again, a bounded number of times with a short jittered backoff.
// Callbacks must therefore be re-runnable: they may run more than once, and only the last run
// commits. Claims (ClaimTasks, ClaimMessages) lock the rows they pick with FOR UPDATE SKIP
// LOCKED, so concurrent claimers take different rows instead of queueing on the same ones.
//
// Writes of WriteKind::kQueue (claims, a claimed task's or message's outcome, the expiry sweep,
// job leases, purges) run at READ COMMITTED: their statements are compare-and-sets and row
// locks, correct at that level. Under SERIALIZABLE a claim whose snapshot predates another
// process's committed claim fails instead of skipping the row, and three worker processes spent
// their time retrying (measured: claims gave up after 25 runs).
//
// Do not call Write or Read from inside another Write/Read callback: the inner call takes a
// second connection and does not see the outer transaction's changes (and with a pool of one it
// would wait for the outer one forever).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/postgres/pg_pool.hpp"
#include "storage/sql/sql_store.hpp"

namespace vpnhub::storage {

struct PostgresOptions {
  // A libpq URI or connection string: postgres://user:pass@host:port/db?sslmode=... It may carry
  // a password; no Status ever includes it.
  std::string url;
  int pool_size = 4;
  std::chrono::milliseconds connect_timeout{5000};
  // How long Write/Read/Ping wait for a pooled connection when all are busy.
  std::chrono::milliseconds acquire_timeout{5000};
};

class PostgresStore final : public SqlStore {
 public:
  // Connects (kUnavailable when the server cannot be reached) and applies pending migrations
  // under an advisory lock, so processes starting at once never race. kFailedPrecondition when
  // the database carries a schema newer than this binary knows; kInvalidArgument for an empty URL.
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);
  ~PostgresStore() override;

  // REPEATABLE READ READ ONLY: one consistent snapshot; write methods fail with
  // kFailedPrecondition before reaching the server.
  Status Read(const TxFn& fn) override;
  // One round trip: SELECT max(version) FROM schema_migrations on a pooled connection must reach
  // the newest embedded migration. kUnavailable otherwise. Thread-safe.
  Status Ping() override;

  Result<std::vector<int>> Migrate() override;
  Result<std::vector<MigrationInfo>> MigrationStatus() override;
  // EXPLAIN (plans without running: the UPDATEs and row locks do nothing), one plan line per row
  // ("Index Scan using keys_state_expires on keys ...").
  Result<std::string> ExplainQuery(IndexedQuery query) override;

 private:
  explicit PostgresStore(const PostgresOptions& options);
  // SERIALIZABLE for kDefault, READ COMMITTED for kQueue; retried on serialization
  // failure/deadlock (see above). After the retries run out: kUnavailable. A lost connection:
  // kUnavailable (a COMMIT whose answer was lost may or may not have committed, as with any
  // database).
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override;
  // One attempt of a transaction opened with `begin` on a pooled connection. Sets `retry` when
  // the attempt lost a serialization conflict or found its connection dead before doing
  // anything, so that running fn again is both safe and likely to succeed.
  Status RunOnce(const char* begin, bool read_only, const TxFn& fn, bool& retry);
  Status Run(const char* begin, bool read_only, const TxFn& fn);

  PgPool pool_;
};

}  // namespace vpnhub::storage
