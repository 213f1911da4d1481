#pragma once
// One open database (the source or the target of `db copy`) behind one interface, implemented
// for SQLite (sqlite_copy_db.cpp) and PostgreSQL (pg_copy_db.cpp). Internal to storage/copy.
// Not thread-safe: one copy drives both databases from one thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "storage/copy/copy_plan.hpp"

namespace vpnhub::storage {
class Connection;
class PgConnection;
}  // namespace vpnhub::storage

namespace vpnhub::storage::copy {

struct Value {
  enum class Kind { kNull, kInt, kText };
  Kind kind = Kind::kNull;
  std::int64_t i = 0;  // kInt (booleans as 0/1)
  std::string s;       // kText
};
using Row = std::vector<Value>;  // one Value per column of the TableSpec, in its order

inline constexpr int kReadBatchRows = 2000;

class CopyDb {
 public:
  virtual ~CopyDb() = default;
  // Every base table of the database with its columns, primary key, identity column and foreign
  // keys, from the catalogue. kFailedPrecondition for a column of a type the copy cannot carry
  // (neither integer, boolean nor text).
  virtual Result<Schema> Describe() = 0;
  // Source: a read transaction on one snapshot. Target: a write transaction that keeps every
  // other writer out of `tables` until it ends.
  virtual Status BeginRead() = 0;
  virtual Status BeginWrite(const std::vector<TableSpec>& tables) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  virtual Result<std::int64_t> Count(const TableSpec& table) = 0;
  // Every row in `table.order_by` order, in batches of at most kReadBatchRows. kInvalidArgument
  // for a value the plan's column type cannot carry (a SQLite boolean other than 0/1).
  virtual Status Scan(const TableSpec& table,
                      const std::function<Status(std::vector<Row>&)>& on_batch) = 0;
  virtual Status Insert(const TableSpec& table, const std::vector<Row>& rows) = 0;
  // PostgreSQL: moves the identity sequence of `table` past the largest value copied.
  virtual Status AfterTableCopied(const TableSpec& table) = 0;
};

std::unique_ptr<CopyDb> MakeSqliteCopyDb(std::unique_ptr<Connection> conn);
std::unique_ptr<CopyDb> MakePgCopyDb(std::unique_ptr<PgConnection> conn);

// SQL helpers shared by both dialects (both quote identifiers with "").
std::string QuoteIdentifier(std::string_view identifier);
std::string ColumnList(const TableSpec& table);
std::string SelectAll(const TableSpec& table);

}  // namespace vpnhub::storage::copy
