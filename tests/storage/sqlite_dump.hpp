#pragma once
// Raw access to a SQLite file outside any store (the store must be closed), for tests that
// compare databases column by column.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace vpnhub::storage {

// Runs `sql` (any number of statements) on the file at `path`.
inline void ExecSqlite(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// table -> every row ordered by its key column, each row every column with its storage class
// and exact value ("id=i:1|name=t:Amsterdam|..."). `tables` pairs each table with its key.
inline std::map<std::string, std::vector<std::string>> DumpSqliteTables(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& tables) {
  std::map<std::string, std::vector<std::string>> dump;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (const auto& [table, key] : tables) {
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = "SELECT * FROM \"" + table + "\" ORDER BY \"" + key + "\"";
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    auto& rows = dump[table];
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::ostringstream row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        row << sqlite3_column_name(stmt, c) << "=";
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            row << "NULL";
            break;
          case SQLITE_INTEGER:
            row << "i:" << sqlite3_column_int64(stmt, c);
            break;
          case SQLITE_TEXT:
            row << "t:"
                << std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
            break;
          default:
            row << "other:" << sqlite3_column_type(stmt, c);
        }
        row << "|";
      }
      rows.push_back(row.str());
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return dump;
}

// The names of the file's own tables (sqlite_schema, without SQLite's internal sqlite_* ones).
inline std::set<std::string> SqliteTableNames(const std::string& path) {
  std::set<std::string> names;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                               "LIKE 'sqlite_%'",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    names.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return names;
}

}  // namespace vpnhub::storage
