#pragma once
// SqliteStore: the embedded implementation of ports::Store.
//
// One writer connection behind a mutex (write transactions are BEGIN IMMEDIATE ... COMMIT, so
// they never fail on lock upgrade) and a small pool of read-only connections for Read, which see
// a WAL snapshot and run concurrently with the writer. WAL checkpoints run on a background
// thread (WalCheckpointer), not inside commits. An in-memory database (":memory:") lives
// in one connection, so there every Read and Write share it and run one at a time.
//
// Do not call Write or Read from inside another Write/Read callback: on ":memory:" that
// deadlocks, and on a file it would not see the outer transaction's changes.
//
// Nothing else in the process may open() and close() the database file (or its -wal/-shm):
// closing any descriptor of a file drops all of the process's POSIX locks on it, after which
// another process (a CLI command) can take itself for the last user and delete the WAL under
// the running writer. Go through SQLite, or stat() only.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/sql/sql_store.hpp"
#include "storage/sqlite/migrations.hpp"

namespace vpnhub::storage {

class Connection;
class WalCheckpointer;

struct SqliteOptions {
  std::string path;  // a file path, or ":memory:"
  int busy_timeout_ms = 5000;
  int read_connections = 4;  // opened on demand, at most this many
};

// "sqlite://./data/vpnhub.db" -> "./data/vpnhub.db", "sqlite:///var/lib/v.db" -> "/var/lib/v.db",
// "sqlite://:memory:" -> ":memory:". kInvalidArgument for any other scheme, an empty path, or a
// query string ("sqlite://./x.db?mode=ro": options are not read, and '?' would end up in the file
// name).
Result<std::string> SqlitePathFromUrl(const std::string& url);

// Why this process could not write the database at `path`, or nullopt when it can (or can create
// it). The file when it exists, and the directory SQLite writes its -wal and -shm files into (for
// a missing file, the nearest existing directory it would be created under) must be writable.
// The sentence starts with "the database file is read-only" and names the path. Not for
// ":memory:".
std::optional<std::string> SqliteReadOnlyProblem(const std::string& path);

class SqliteStore final : public SqlStore {
 public:
  // Opens (creating the file and its parent directory when missing), sets WAL,
  // synchronous=NORMAL, busy_timeout and foreign_keys, and applies pending migrations.
  // kInvalidArgument for a bad path, kUnavailable when the file cannot be opened or created,
  // kFailedPrecondition with SqliteReadOnlyProblem's sentence when it cannot be written (also
  // when SQLite itself opened it read-only).
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  Status Read(const std::function<Status(ports::StoreTx&)>& fn) override;
  // File: the path must still name the file this store opened (not renamed away or replaced),
  // start with the SQLite header, and a fresh read-only connection (never creating the file)
  // must run SELECT max(version) FROM schema_migrations and get at least the newest embedded
  // migration. (A fresh connection alone is not enough: with WAL it would read page 1 from our
  // -wal file and never notice a replaced main file.) Any failure is kUnavailable. Thread-safe.
  Status Ping() override;

  // Migrate and MigrationStatus take the writer.
  Result<std::vector<int>> Migrate() override;
  Result<std::vector<MigrationInfo>> MigrationStatus() override;
  // EXPLAIN QUERY PLAN, one plan line per row ("SEARCH keys USING INDEX ..."). Takes the writer.
  Result<std::string> ExplainQuery(IndexedQuery query) override;
  Result<std::string> ExplainDueForExpiry() { return ExplainQuery(IndexedQuery::kDueForExpiry); }

 private:
  // BEGIN IMMEDIATE on the one writer connection: every kind runs alone, as kDefault asks.
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override;
  // Identifies the database file the writer opened, to tell when the path names another one.
  struct FileId {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
  };

  SqliteStore(SqliteOptions options, bool in_memory, FileId file_id,
              std::unique_ptr<Connection> writer);
  Status CheckFileIdentity() const;

  Result<std::unique_ptr<Connection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> conn);
  // Runs fn in a transaction opened with `begin` on conn; commits on Ok, otherwise rolls back.
  static Status RunTx(Connection& conn, const char* begin, bool read_only,
                      const std::function<Status(ports::StoreTx&)>& fn);

  const SqliteOptions options_;
  const bool in_memory_;
  const FileId file_id_;

  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by writer_mu_

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                                   // guarded by readers_mu_

  // Declared last so it stops before the connections close. Null for ":memory:".
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace vpnhub::storage
