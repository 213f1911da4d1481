#pragma once
// PgSession: SqlSession (storage/sql/session.hpp) over the pooled PostgreSQL connection that has
// the transaction open; each statement text is prepared once per connection (PgConnection).
//
// Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction. Errors the ports
// define as ordinary outcomes (a taken unique value) therefore never reach the server as errors:
// InsertUnique adds ON CONFLICT DO NOTHING, and ModifyUnique runs under a savepoint. Any other
// failure leaves the transaction aborted, and the callback is expected to give up (its Status is
// returned and the transaction rolled back).
#include <string>

#include "storage/postgres/pg_connection.hpp"
#include "storage/sql/session.hpp"

namespace vpnhub::storage {

// The parameters in PostgreSQL's text format.
PgParams ToPgParams(const SqlParams& params);

class PgSession final : public SqlSession {
 public:
  PgSession(PgConnection& conn, bool read_only)
      : SqlSession(SqlDialect::kPostgres, read_only), conn_(conn) {}

  // The whole result arrives at once; on_row reads it row by row.
  Status Query(const SqlText& sql, const SqlParams& params, RowVisitor on_row) override;
  // The rows the server reports as touched.
  Result<std::int64_t> Modify(const SqlText& sql, const SqlParams& params) override;
  // Adds RETURNING id.
  Result<Id> Insert(const SqlText& sql, const SqlParams& params) override;
  // Adds ON CONFLICT DO NOTHING RETURNING id: DO NOTHING without a conflict target covers every
  // unique index, partial ones included.
  Result<Id> InsertUnique(const SqlText& sql, const SqlParams& params,
                          const std::string& what) override;
  // Under the savepoint vpnhub_unique, released or rolled back before it returns.
  Result<std::int64_t> ModifyUnique(const SqlText& sql, const SqlParams& params,
                                    const std::string& what) override;

 private:
  PgConnection& conn_;
};

}  // namespace vpnhub::storage
