#pragma once
// PgPort: what the port objects of one PgTx share, the pooled connection that has the
// transaction open and a few helpers; plus the statements PostgresStore EXPLAINs. Each port lives
// in its own files (pg_users, pg_catalog, pg_keys, pg_tasks, pg_messages, pg_coordination,
// pg_housekeeping) and runs prepared statements on that connection. Not thread-safe; lives only
// inside a Write/Read callback.
//
// Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction. Errors the port
// defines as ordinary outcomes (a taken unique value) therefore never reach the server as errors:
// inserts use ON CONFLICT DO NOTHING, and the one UPDATE that can hit a unique index runs under
// a savepoint. Any other failure leaves the transaction aborted, and the callback is expected to
// give up (its Status is returned and the transaction rolled back).
#include <cstdint>
#include <optional>
#include <string>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace vpnhub::storage {

// Queries that must stay on an index, exposed so PostgresStore can EXPLAIN them.
extern const char kPgDueForExpirySql[];            // $1 now, $2 limit
extern const char kPgDueForNoticeSql[];            // $1 now, $2 limit
extern const char kPgCountUsersCreatedSinceSql[];  // $1 since
extern const char kPgClaimableTasksSql[];          // $1 now, $2 limit
extern const char kPgClaimTasksByIdsSql[];         // $1 ids, $2 now, $3 lease end
extern const char kPgUnrelayedTasksSql[];          // $1 now, $2 limit
extern const char kPgStaleRelayedTasksSql[];       // $1 stale_before, $2 limit
extern const char kPgClaimableMessagesSql[];       // $1 now, $2 priority, $3 limit
extern const char kPgDropPendingMessagesSql[];     // $1 chat, $2 error, $3 now
extern const char kPgPurgeDoneTasksSql[];          // $1 settled_before, $2 limit
extern const char kPgPurgeSettledMessagesSql[];    // $1 settled_before, $2 limit
extern const char kPgCountMessagesSql[];           // $1 state

// Unix milliseconds of an optional time, for a nullable column.
inline std::optional<std::int64_t> OptionalUnixMs(std::optional<Time> t) {
  return t ? std::optional<std::int64_t>(ToUnixMs(*t)) : std::nullopt;
}

// The base of every PostgreSQL port object (inherited privately: it is an implementation detail).
class PgPort {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  PgPort(PgConnection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

 protected:
  Status CheckWritable(const char* method) const;
  // Whether a row with `id` exists in `table` (a fixed table name, never user input).
  Result<bool> Exists(const char* table, Id id);
  // For a compare-and-set UPDATE that changed nothing: kNotFound when the row is absent,
  // otherwise `otherwise`.
  Status ExplainNoChange(const char* table, const char* what, Id id, Status otherwise);
  // An INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new id, or kAlreadyExists (naming
  // `what`) when a unique value was taken.
  Result<Id> InsertReturningId(const char* sql, const PgParams& params, const std::string& what);
  // Runs an UPDATE/DELETE and returns how many rows it touched.
  Result<std::int64_t> Modify(const char* sql, const PgParams& params);
  // Modify under a savepoint: a unique violation is kAlreadyExists ("<what> is taken") and
  // leaves the transaction usable.
  Result<std::int64_t> ModifyUnique(const char* sql, const PgParams& params,
                                    const std::string& what);

  PgConnection& conn_;
  bool read_only_;
};

}  // namespace vpnhub::storage
