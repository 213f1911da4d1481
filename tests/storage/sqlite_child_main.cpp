// sqlite_child DB_PATH: opens the database with a plain read-write sqlite3 connection, prints
// "CHILD_COUNT=<users>" and closes, as a CLI command next to the running service does. Used by
// sqlite_store_test to look at a SqliteStore from another process.
#include <sqlite3.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_PATH\n", argv[0]);
    return 2;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "open: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return 1;
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    std::fprintf(stderr, "count: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return 1;
  }
  std::printf("CHILD_COUNT=%lld\n", static_cast<long long>(sqlite3_column_int64(stmt, 0)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return 0;
}
