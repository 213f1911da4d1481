#pragma once
// Fills a SQLite database for the sweep and memory figures, fast (raw SQL in one transaction; the
// schema comes from the store's migrations), shaped like a service that has run for a while:
// one owner per key, and the done tasks and sent messages its past work left behind.
#include <cstdint>
#include <string>

namespace vpnhub::bench {

struct SeedOptions {
  std::int64_t keys = 0;
  // Active keys that expire at now_ms - 1000, spread over the id range; the rest expire within
  // the year after now_ms (in id order, so the expiry index is not the id order either).
  std::int64_t due = 0;
  std::int64_t now_ms = 0;
  // Production: every key has its own owner (a user row the expiry notice reads). false: one
  // user owns every key (the old benchmark's shape).
  bool owner_per_key = true;
  // Settled rows the service's past work left: done provision/revoke tasks and sent messages
  // (key ready, expiry notices), per key. They sit in the same tables the sweep writes to.
  std::int64_t done_tasks_per_key = 0;
  std::int64_t sent_messages_per_key = 0;
  // How long before now_ms those rows were settled (their updated_at): inside RETENTION_DAYS
  // they are retained, beyond it the purge job deletes them.
  std::int64_t settled_age_ms = 24LL * 3600 * 1000;
};

// Creates (or replaces) the database at `path`. Returns false and prints the error on failure.
bool Seed(const std::string& path, const SeedOptions& options);

// The rows Seed wrote to the tables the sweep appends to: an iteration deletes what came after.
struct SeededIds {
  std::int64_t last_task_id = 0;
  std::int64_t last_message_id = 0;
};
SeededIds SeededRows(const SeedOptions& options);

// The old shape: one owner for every key, no settled rows.
bool SeedKeys(const std::string& path, std::int64_t keys, std::int64_t due, std::int64_t now_ms);

}  // namespace vpnhub::bench
