#pragma once
// SqlitePort: what the port objects of one SqliteTx share, the connection that has the
// transaction open and a few helpers; plus the statements SqliteStore EXPLAINs. Each port lives in
// its own files (sqlite_users, sqlite_catalog, sqlite_keys, sqlite_tasks, sqlite_messages,
// sqlite_coordination, sqlite_housekeeping) and runs cached prepared statements on that
// connection. Not thread-safe; lives only inside a Write/Read callback.
#include <algorithm>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {

// Queries that must stay on an index, exposed so SqliteStore can EXPLAIN them.
extern const char kDueForExpirySql[];
extern const char kDueForNoticeSql[];
extern const char kCountUsersCreatedSinceSql[];
extern const char kClaimableTasksSql[];
extern const char kClaimTasksByIdsSql[];    // ?1 JSON array of ids, ?2 now, ?3 lease end
extern const char kUnrelayedTasksSql[];     // ?1 now, ?2 limit
extern const char kStaleRelayedTasksSql[];  // ?1 stale_before, ?2 limit
// One priority's claimable messages (?1 now, ?2 priority, ?3 limit).
extern const char kClaimableMessagesSql[];
extern const char kMessageStatsSql[];
extern const char kDropPendingMessagesSql[];
extern const char kPurgeDoneTasksSql[];        // ?1 settled_before, ?2 limit
extern const char kPurgeSettledMessagesSql[];  // ?1 settled_before, ?2 limit
extern const char kCountMessagesSql[];         // ?1 state

// `ids` ascending without repeats: the batch lookups walk them one prepared statement at a time.
inline std::vector<Id> SortedUnique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The base of every SQLite port object (inherited privately: it is an implementation detail).
class SqlitePort {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  SqlitePort(Connection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

 protected:
  Status CheckWritable(const char* method) const;
  // Whether a row with `id` exists in `table` (a fixed table name, never user input).
  Result<bool> Exists(const char* table, Id id);
  // For a compare-and-set UPDATE that changed nothing: kNotFound when the row is absent,
  // otherwise `otherwise`.
  Status ExplainNoChange(const char* table, const char* what, Id id, Status otherwise);

  Connection& conn_;
  bool read_only_;
};

// Runs the statement to completion, calling fn(const Statement&) -> Status for every row.
template <typename Fn>
Status ForEachRow(Statement& stmt, Fn&& fn) {
  for (;;) {
    VPNHUB_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Ok();
    VPNHUB_RETURN_IF_ERROR(fn(static_cast<const Statement&>(stmt)));
  }
}

}  // namespace vpnhub::storage
