#pragma once
// The in-memory store of the unit tests: SqliteStore over SQLite's in-memory database (":memory:"),
// migrated like a file. The same adapter code as production runs over memory instead of a file
// (as LevelDB's MemEnv runs the same DB code), so its semantics cannot drift from the real
// store's, and no test that uses it touches the disk. Link vpnhub_storage.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/ports/store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::fakes {

class MemoryStore final : public ports::Store {
 public:
  // A fresh, empty, migrated database; throws std::runtime_error (failing the test) when SQLite
  // cannot open one.
  MemoryStore() {
    // The adapter keeps its connection to itself; a test that must write what no port can (a
    // corrupted row, a timestamp from the past) reaches it through an auto-extension, which
    // SQLite calls with every connection opened in the process: here, on this thread, the store's
    // one connection.
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&Capture));
    Opening() = &db_;
    auto store = storage::SqliteStore::Open({":memory:"});
    Opening() = nullptr;
    if (!store.ok()) throw std::runtime_error("in-memory store: " + store.status().ToString());
    if (db_ == nullptr) throw std::runtime_error("in-memory store: connection not seen");
    store_ = std::move(*store);
  }

  Status Read(const TxFn& fn) override { return store_->Read(fn); }
  Status Ping() override { return store_->Ping(); }

  // Runs raw SQL (several statements allowed) in one write transaction of its own, for what the
  // ports cannot write. Thread-safe like Write.
  Status Sql(const std::string& sql) {
    return Write([&](ports::StoreTx&) -> Status {
      char* error = nullptr;
      const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
      const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      return rc == SQLITE_OK ? Status::Ok() : Internal("sql: " + message + ": " + sql);
    });
  }

  // The first column of the first row of a raw query (say, SELECT count(*) ...).
  Result<std::int64_t> QueryInt(const std::string& sql) {
    std::int64_t value = 0;
    Status st = Read([&](ports::StoreTx&) -> Status {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        return Internal(std::string("sql: ") + sqlite3_errmsg(db_) + ": " + sql);
      }
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
      sqlite3_finalize(stmt);
      return rc == SQLITE_ROW ? Status::Ok() : Internal("sql: no row: " + sql);
    });
    if (!st.ok()) return st;
    return value;
  }

 private:
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    return store_->Write(kind, fn);
  }

  // Where Capture puts the connection opened on this thread (null: not opening a MemoryStore).
  static sqlite3**& Opening() {
    thread_local sqlite3** target = nullptr;
    return target;
  }
  static int Capture(sqlite3* db, const char** /*error*/, const void* /*api*/) {
    if (Opening() != nullptr) *Opening() = db;
    return SQLITE_OK;
  }

  sqlite3* db_ = nullptr;  // owned by store_; used only inside its transactions
  std::unique_ptr<storage::SqliteStore> store_;
};

}  // namespace vpnhub::fakes
