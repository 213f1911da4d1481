#pragma once
// A thin RAII layer over libpq: one connection, its cached prepared statements, query results,
// and the mapping of PostgreSQL errors to Status. Not thread-safe: the owner (a pool user)
// serialises access.
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::storage {

// Parameters of one query, sent in text format (the server infers their types from the SQL).
class PgParams {
 public:
  PgParams& Int(std::int64_t value);
  PgParams& Bool(bool value);
  PgParams& Text(std::string_view value);
  PgParams& Null();
  PgParams& IntOrNull(std::optional<std::int64_t> value) { return value ? Int(*value) : Null(); }
  // Array literals ('{1,2}', '{"a","b"}') for `$n::bigint[]` / `$n::text[]`, e.g. with unnest():
  // one statement for many rows, with one prepared text whatever the row count.
  PgParams& IntArray(const std::vector<std::int64_t>& values);
  PgParams& TextArray(const std::vector<std::string>& values);

  std::size_t size() const { return values_.size(); }
  // One pointer per parameter, null for SQL NULL; valid while this object lives unchanged.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};

// The rows of a successful query (text format). Row and column indexes start at 0. Reading a
// column that does not hold the asked type (a non-integer for Int64, a value out of int range
// for Int, anything but t/f for Bool) yields 0 / false and records a read error naming the
// column in `read_error` (the first one wins), which the connection's owner turns into kInternal
// (PgConnection::TakeReadError): a value is never silently read as 0.
class PgResult {
 public:
  explicit PgResult(PGresult* result, std::string* read_error = nullptr)
      : result_(result), read_error_(read_error) {}

  int rows() const { return PQntuples(result_.get()); }
  // Rows an INSERT/UPDATE/DELETE touched (0 for other statements).
  std::int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::int64_t Int64(int row, int col) const;
  int Int(int row, int col) const;
  bool Bool(int row, int col) const;
  std::string Text(int row, int col) const;

 private:
  void ReadError(int row, int col, const char* expected) const;

  std::unique_ptr<PGresult, PgResultDeleter> result_;
  std::string* read_error_;  // owned by the connection; null: errors are not recorded
};

// SQLSTATE values the adapter reacts to.
inline constexpr char kSqlStateUniqueViolation[] = "23505";
inline constexpr char kSqlStateSerializationFailure[] = "40001";
inline constexpr char kSqlStateDeadlockDetected[] = "40P01";

class PgConnection {
 public:
  // Connects with a libpq connection string or URI (postgres://user:pass@host:port/db?...).
  // kUnavailable when the server cannot be reached or refuses the login. The message never
  // carries the password.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url,
                                                    std::chrono::milliseconds connect_timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more SQL statements without parameters (DDL, BEGIN/COMMIT, migrations).
  Status Exec(const std::string& sql);
  // Runs `sql` ($1, $2, ... placeholders) as a statement prepared once per connection and
  // reused. Errors are mapped as described at PgErrorStatus.
  Result<PgResult> Query(const std::string& sql, const PgParams& params = PgParams());
  // Runs `sql` once without preparing it (EXPLAIN, one-off statements).
  Result<PgResult> QueryOnce(const std::string& sql, const PgParams& params = PgParams());

  // Whether a statement since the last ClearRetryableFailure failed with a serialization failure
  // or a deadlock: the transaction must then be rolled back and run again.
  bool retryable_failure() const { return retryable_failure_; }
  void ClearRetryableFailure() { retryable_failure_ = false; }

  // Whether the connection still looks usable: the socket is open and the server has not told it
  // to go away. Reads any data the server sent while the connection sat idle (a termination
  // notice when the server shuts down), so a dead connection is noticed without a round trip.
  bool Healthy();
  // Idle: not inside a transaction block (a failed COMMIT or ROLLBACK can leave one open).
  bool Idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

  // The first column read that did not hold its type (see PgResult) since the last call, as
  // kInternal naming the column; Ok when there was none. Clears it.
  Status TakeReadError();

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  // Checks a result, maps failures to Status and notes retryable ones.
  Result<PgResult> Check(PGresult* raw);

  PGconn* conn_;
  bool retryable_failure_ = false;
  std::string read_error_;  // filled by the PgResults of this connection
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

// The Status for a failed result (or a null one, when libpq could not even send the query):
// a lost connection, class 08 (connection exception), 57P01..57P03 (shutdown, cannot connect
// now) and class 53 (insufficient resources) -> kUnavailable; 40001/40P01 -> kUnavailable too
// (the transaction is retried as a whole, see PostgresStore::Write); unique_violation ->
// kAlreadyExists; read_only_sql_transaction -> kFailedPrecondition; class 22 (data exception:
// bad UTF-8, a NUL byte, out of range) -> kInvalidArgument; anything else -> kInternal. The
// message carries the SQLSTATE and the server's primary message.
Status PgErrorStatus(PGconn* conn, const PGresult* result);

// The password of a postgres URI (user:PASSWORD@host, or ?password=...), in every spelling it
// may show up in (as written and percent-decoded, whether the user info is read up to the first
// '@' like libpq or the last '@' like MaskUrlSecret), longest first. Empty when the URL has none.
std::vector<std::string> PgPasswordsOf(const std::string& url);

// `message` with every occurrence of each secret replaced by "***".
std::string ScrubSecrets(std::string message, const std::vector<std::string>& secrets);

}  // namespace vpnhub::storage
