#include "seed.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::bench {
namespace {

bool Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "seed: %.200s: %s\n", sql.c_str(), err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

std::string N(std::int64_t v) { return std::to_string(v); }

}  // namespace

SeededIds SeededRows(const SeedOptions& o) {
  return {o.keys * o.done_tasks_per_key, o.keys * o.sent_messages_per_key};
}

bool Seed(const std::string& path, const SeedOptions& o) {
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
  const std::int64_t users = o.owner_per_key ? o.keys : 1;
  const std::int64_t settled = o.now_ms - o.settled_age_ms;
  // Due keys sit every `stride` ids, so the sweep cannot profit from locality.
  const std::int64_t stride = o.due > 0 ? o.keys / o.due : 0;
  // generate_series is not built into every SQLite: a recursive CTE counts instead.
  auto series = [](std::int64_t n) {
    return "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + N(n) +
           ") ";
  };
  bool ok =
      Exec(db, "PRAGMA journal_mode=WAL") && Exec(db, "PRAGMA synchronous=OFF") &&
      Exec(db, "BEGIN") &&
      Exec(db, "INSERT INTO locations(id, name, enabled) VALUES (1, 'bench', 1)") &&
      Exec(db,
           "INSERT INTO servers(id, location_id, kind, name, settings, public_host, capacity, "
           "enabled, healthy, created_at) VALUES (1, 1, 'shadowsocks', 'bench', "
           "'{\"manager\":\"127.0.0.1:1\",\"port_from\":\"1\",\"port_to\":\"65535\"}', "
           "'127.0.0.1', 100000000, 1, 1, 0)") &&
      Exec(db, series(users) +
                   "INSERT INTO users(id, tg_id, username, lang, trial_used, created_at) "
                   "SELECT i, 1000000 + i, 'user' || i, 'en', 1, 0 FROM s") &&
      Exec(db, series(o.keys) +
                   "INSERT INTO keys(id, user_id, server_id, remote_name, slot, secret, state, "
                   "expires_at, traffic_limit_bytes, is_trial, notified_flags, last_error, "
                   "created_at, updated_at) SELECT i, " +
                   (o.owner_per_key ? std::string("i") : std::string("1")) +
                   ", 1, 'bench-' || i, i, 'secret', 'active', CASE WHEN " +
                   (stride > 0 ? "(i - 1) % " + N(stride) + " = 0 AND (i - 1) / " + N(stride) +
                                     " < " + N(o.due)
                               : std::string("0")) +
                   " THEN " + N(o.now_ms - 1000) + " ELSE " + N(o.now_ms + 60'000) + " + i * (" +
                   N(365LL * 86400 * 1000) + " / " + N(o.keys) + ") END, 0, 0, 0, '', 0, 0 FROM s");
  if (ok && o.done_tasks_per_key > 0) {
    ok = Exec(db, series(o.keys * o.done_tasks_per_key) +
                      "INSERT INTO tasks(id, kind, subject_id, state, attempts, next_attempt_at, "
                      "last_error, created_at, updated_at) SELECT i, CASE WHEN i % 2 = 1 THEN "
                      "'provision_key' ELSE 'revoke_key' END, 1 + (i - 1) % " +
                      N(o.keys) + ", 'done', 1, " + N(settled) + ", '', " + N(settled - 1000) +
                      ", " + N(settled) + " FROM s");
  }
  if (ok && o.sent_messages_per_key > 0) {
    ok = Exec(db, series(o.keys * o.sent_messages_per_key) +
                      "INSERT INTO outgoing_messages(id, chat_id, kind, priority, subject_id, "
                      "state, attempts, next_attempt_at, created_at, updated_at) SELECT i, "
                      "1000000 + 1 + (i - 1) % " +
                      N(users) +
                      ", CASE WHEN i % 2 = 1 THEN 'key_ready' ELSE 'expiry_notice' END, 2, "
                      "1 + (i - 1) % " +
                      N(o.keys) + ", 'sent', 1, " + N(settled) + ", " + N(settled - 1000) + ", " +
                      N(settled) + " FROM s");
  }
  // No ANALYZE: the service never runs it, so the planner works without statistics here too.
  ok = ok && Exec(db, "COMMIT") && Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (!ok) std::fprintf(stderr, "seed: %s\n", sqlite3_errmsg(db));
  sqlite3_close(db);
  return ok;
}

bool SeedKeys(const std::string& path, std::int64_t keys, std::int64_t due, std::int64_t now_ms) {
  SeedOptions o;
  o.keys = keys;
  o.due = due;
  o.now_ms = now_ms;
  o.owner_per_key = false;
  return Seed(path, o);
}

}  // namespace vpnhub::bench
