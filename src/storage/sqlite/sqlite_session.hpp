#pragma once
// SqliteSession: SqlSession (storage/sql/session.hpp) over the SQLite connection that has the
// transaction open. Every statement is prepared once per connection and cached (its $1-style
// placeholders rewritten once, see Connection::PrepareNumbered), and rows are read straight from
// the statement as it steps. A failed statement leaves a SQLite transaction usable, so
// InsertUnique and ModifyUnique need no savepoint.
#include <string>

#include "storage/sql/session.hpp"
#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {

class SqliteSession final : public SqlSession {
 public:
  SqliteSession(Connection& conn, bool read_only)
      : SqlSession(SqlDialect::kSqlite, read_only), conn_(conn) {}

  // Steps the statement to its end, also for one row: an UPDATE ... RETURNING finishes its work
  // there.
  Status Query(const SqlText& sql, const SqlParams& params, RowVisitor on_row) override;
  // sqlite3_changes(): every row the WHERE matched, also when the values stay the same.
  Result<std::int64_t> Modify(const SqlText& sql, const SqlParams& params) override;
  // sqlite3_last_insert_rowid().
  Result<Id> Insert(const SqlText& sql, const SqlParams& params) override;
  // Insert and Modify as they are: a taken unique value fails the statement alone, with SQLite's
  // own kAlreadyExists message, and leaves the transaction usable.
  Result<Id> InsertUnique(const SqlText& sql, const SqlParams& params,
                          const std::string& /*what*/) override {
    return Insert(sql, params);
  }
  Result<std::int64_t> ModifyUnique(const SqlText& sql, const SqlParams& params,
                                    const std::string& /*what*/) override {
    return Modify(sql, params);
  }

 private:
  // The cached statement for sql.sqlite with `params` bound (bind errors surface at Step).
  Result<StatementLease> Prepare(const SqlText& sql, const SqlParams& params);

  Connection& conn_;
};

}  // namespace vpnhub::storage
