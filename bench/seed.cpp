#include "seed.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>

#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::bench {
namespace {

bool Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "seed: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

}  // namespace

bool SeedKeys(const std::string& path, std::int64_t keys, std::int64_t due, std::int64_t now_ms) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    auto store = storage::SqliteStore::Open({path});  // applies the migrations
    if (!store.ok()) {
      std::fprintf(stderr, "seed: %s\n", store.status().ToString().c_str());
      return false;
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return false;
  bool ok = Exec(db, "PRAGMA journal_mode=WAL") && Exec(db, "PRAGMA synchronous=OFF") &&
            Exec(db, "BEGIN") &&
            Exec(db, "INSERT INTO locations(id, name, enabled) VALUES (1, 'bench', 1)") &&
            Exec(db,
                 "INSERT INTO servers(id, location_id, kind, name, settings, public_host, "
                 "capacity, enabled, healthy, created_at) VALUES (1, 1, 'shadowsocks', 'bench', "
                 "'{\"manager\":\"127.0.0.1:1\",\"port_from\":\"1\",\"port_to\":\"65535\"}', "
                 "'127.0.0.1', 100000000, 1, 1, 0)") &&
            Exec(db,
                 "INSERT INTO users(id, tg_id, username, lang, trial_used, created_at) "
                 "VALUES (1, 1, 'bench', 'en', 0, 0)");
  sqlite3_stmt* st = nullptr;
  ok = ok && sqlite3_prepare_v2(db,
                                "INSERT INTO keys(user_id, server_id, remote_name, slot, secret, "
                                "state, expires_at, traffic_limit_bytes, is_trial, "
                                "notified_flags, last_error, created_at, updated_at) VALUES "
                                "(1, 1, ?1, ?2, 'secret', 'active', ?3, 0, 0, 0, '', 0, 0)",
                                -1, &st, nullptr) == SQLITE_OK;
  for (std::int64_t i = 0; ok && i < keys; ++i) {
    std::string name = "bench-" + std::to_string(i);
    // Spread the due keys over the id range so the sweep cannot profit from locality.
    bool is_due = due > 0 && i % (keys / due) == 0 && i / (keys / due) < due;
    sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, i);
    sqlite3_bind_int64(st, 3, is_due ? now_ms - 1000 : now_ms + 365LL * 86400 * 1000 + i);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  ok = ok && Exec(db, "COMMIT") && Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (!ok) std::fprintf(stderr, "seed: %s\n", sqlite3_errmsg(db));
  sqlite3_close(db);
  return ok;
}

}  // namespace vpnhub::bench
