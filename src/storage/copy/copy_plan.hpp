#pragma once
// What `db copy` copies, read from the live schemas of both databases (no hand-written copy of
// the schema): every table of the source and target, their columns, primary keys and foreign
// keys, reduced to one plan of tables in foreign-key order. Pure logic, no I/O: each database
// describes itself (copy_db.hpp), PlanCopy compares and orders.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::storage::copy {

// How a column's values travel. kBool: SQLite 0/1 <-> PostgreSQL BOOLEAN.
enum class ColumnType { kInt, kBool, kText };

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kText;
};

// One table as one database describes it, or (in a plan) as both agree on it.
struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;       // in the database's column order
  std::vector<std::string> primary_key;  // column names in key order; empty = none
  std::string identity;                  // PostgreSQL identity/serial column, "" = none
  std::set<std::string> references;      // tables its foreign keys point to
  // In a plan: indexes into `columns` that rows are read in order of (the primary key, or every
  // column when the table has none).
  std::vector<std::size_t> order_by;
};

// A database's tables by name, as its catalogue lists them (sqlite_schema + PRAGMAs, or
// information_schema + pg_catalog).
using Schema = std::map<std::string, TableSpec>;

// A table of the live schemas that db copy leaves alone, and why.
struct TableNotCopied {
  std::string_view name;
  std::string_view reason;
};

// The only tables db copy skips: every other table of the live schemas is copied.
const std::vector<TableNotCopied>& TablesNotCopied();

// The tables to copy, in an order that fills every foreign key's target first (ties broken by
// name, so both directions of a round trip use the same order). Each table's columns are the
// source's, in the source's order; a column is kBool when either side stores it as a boolean;
// its key is the source's primary key; its identity is the target's.
//
// Errors (kFailedPrecondition, naming the table or column): a table or column that only one side
// has (the two schemas differ: one side was migrated by another vpnhub version); a column whose
// values one side stores as text and the other as integers; foreign keys that form a cycle.
Result<std::vector<TableSpec>> PlanCopy(const Schema& source, const Schema& target);

}  // namespace vpnhub::storage::copy
