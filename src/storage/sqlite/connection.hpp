#pragma once
// A thin RAII layer over the sqlite3 C API: one connection, its cached prepared statements, and
// the mapping of SQLite result codes to Status. Not thread-safe: the owner serialises access.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.hpp"

namespace vpnhub::storage {

// Maps a SQLite result code to a Status carrying `context` and the message:
// BUSY/LOCKED/CANTOPEN/IOERR -> kUnavailable, a UNIQUE/PRIMARY KEY violation -> kAlreadyExists,
// anything else -> kInternal. `db` may be null (then sqlite3_errstr is used).
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// `sql` with PostgreSQL's $1, $2, ... placeholders spelled ?1, ?2, ... (SQLite numbers `$1` by
// first appearance, not by its digits). Quoted literals and identifiers are left alone.
std::string NumberedPlaceholders(std::string_view sql);

// A prepared statement. Bind errors are remembered and reported by the next Step.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameter indexes start at 1 (they match ?1, ?2, ... in the SQL).
  Statement& BindInt64(int index, std::int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindNull(int index);

  // true when a row is available, false when the statement has finished.
  Result<bool> Step();
  // Steps to completion, ignoring any rows (for INSERT/UPDATE/DDL).
  Status Run();

  // Column indexes start at 0.
  std::int64_t ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }
  int ColumnInt(int col) const { return sqlite3_column_int(stmt_, col); }
  bool ColumnBool(int col) const { return sqlite3_column_int64(stmt_, col) != 0; }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string ColumnText(int col) const;

  // Ready for the next use: resets the program and clears every binding.
  void Reset();

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// A statement borrowed from a connection's cache; resets it when it goes out of scope, so a
// half-stepped statement never holds a read lock or blocks COMMIT.
class StatementLease {
 public:
  explicit StatementLease(Statement* stmt) : stmt_(stmt) {}
  StatementLease(StatementLease&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  StatementLease& operator=(StatementLease&&) = delete;
  ~StatementLease() {
    if (stmt_ != nullptr) stmt_->Reset();
  }
  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

class Connection {
 public:
  // Opens `path` with sqlite3_open_v2 `flags` (SQLITE_OPEN_NOMUTEX and extended result codes are
  // added) and sets busy_timeout. Errors: kUnavailable when the file cannot be opened.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements that return no rows of interest.
  Status Exec(const std::string& sql);
  // A statement for `sql`, prepared once per connection (SQLITE_PREPARE_PERSISTENT) and reused.
  Result<StatementLease> Prepare(std::string_view sql);
  // Prepare for SQL written with $1-style placeholders: rewritten by NumberedPlaceholders when
  // first prepared, and cached under the text as given, so the rewrite runs once per text.
  Result<StatementLease> PrepareNumbered(std::string_view sql);
  // A statement that is not cached (one-off queries); finalised when the pointer dies.
  Result<std::unique_ptr<Statement>> PrepareOnce(std::string_view sql);

  std::int64_t Changes() const { return sqlite3_changes64(db_); }
  std::int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  // Prepares `sql` and caches it under `key`.
  Result<StatementLease> PrepareAs(std::string_view key, std::string_view sql);

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, StringHash, std::equal_to<>> cache_;
};

}  // namespace vpnhub::storage
