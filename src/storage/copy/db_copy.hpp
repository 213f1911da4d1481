#pragma once
// CopyDatabase: moves a VPNHub installation between its stores (SQLite <-> PostgreSQL, or the same
// kind on both sides) without losing a row. Used by `vpnhub db copy --from URL --to URL`.
//
// Stop the service before a move. The source is read in one consistent snapshot (a read
// transaction), so copying from a live source gives a consistent copy, but whatever the service
// writes after the snapshot began is not copied.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::storage {

struct CopyProgress {
  std::string table;
  std::int64_t rows_done = 0;   // rows of `table` copied so far
  std::int64_t rows_total = 0;  // rows of `table` in the source snapshot
};

struct CopyReport {
  // Every copied table in copy order with its row count (tables without rows included).
  std::vector<std::pair<std::string, std::int64_t>> rows_per_table;
};

// Copies every row of every table of the live schema from `from_url` to `to_url`: the tables,
// columns, primary keys and foreign keys are read from both databases' catalogues
// (storage/copy/copy_plan.hpp), so a table or column a migration adds is copied without a change
// here. The only tables skipped are named, with the reason, in copy::TablesNotCopied()
// (schema_migrations, and the counts the target's triggers keep). Each URL is sqlite://PATH or
// postgres://... / postgresql://... .
//
// Both databases are opened through their stores first, so both carry the current schema (a
// missing SQLite target file is created; a missing SQLite source file is kNotFound). The copy
// then runs in ONE target transaction (all or nothing): the target's tables are locked against
// writers, must all be empty, and are filled in foreign-key order in batches, ids and every
// column value preserved (SQLite 0/1 booleans <-> PostgreSQL BOOLEAN). PostgreSQL identity
// sequences are moved past the copied ids. Before committing, every table of the target is read
// back and compared with the source snapshot: row count and a checksum over every column of
// every row.
//
// progress (optional) is called after each batch written.
//
// Errors: kInvalidArgument for an unsupported or malformed URL, the same database on both sides,
// or a value the target cannot hold; kNotFound when the SQLite source file does not exist;
// kUnavailable when a database cannot be opened or reached; kFailedPrecondition when a target
// table already has rows (naming it; nothing is written then), when the two schemas differ (a
// table or column on one side only, a column of text on one side and integers on the other), or
// when a column has a type the copy cannot carry (neither integer, boolean nor text);
// kDataLoss-like failures (a table whose read-back differs from the source) are kInternal naming
// the table ("data loss: ..."), since the Status codes have no kDataLoss. No message carries a
// password.
Result<CopyReport> CopyDatabase(const std::string& from_url, const std::string& to_url,
                                const std::function<void(const CopyProgress&)>& progress = {});

}  // namespace vpnhub::storage
