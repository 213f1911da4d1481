// Figure: what the gauges cost on SQLite at 100,000 and 1,000,000 keys (one owner per key, 2 done
// tasks and 2 sent messages per key, 200 messages pending): one HousekeepingStore::Stats() (users,
// keys by state, open tasks, open messages: the statistics job every 5 s and the admin summary) and
// one MessageStore::CountMessages(pending) (the sender's queue-depth gauge every 2 s), each in its
// own read transaction as the service runs them. BM_CountingAsBefore: the counting queries Stats()
// ran before the maintained counters (migration 0009), for comparison.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "seed.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

constexpr std::int64_t kNowMs = 1'800'000'000'000;

std::string DbPath(std::int64_t keys) {
  auto dir = std::filesystem::temp_directory_path() / "vpnhub-bench";
  std::filesystem::create_directories(dir);
  return (dir / ("stats-" + std::to_string(keys) + ".db")).string();
}

struct Seeded {
  std::string path;
  std::unique_ptr<vpnhub::storage::SqliteStore> store;
};

std::unique_ptr<Seeded> SeedOnce(benchmark::State& state) {
  vpnhub::bench::SeedOptions seed;
  seed.keys = state.range(0);
  seed.now_ms = kNowMs;
  seed.done_tasks_per_key = 2;
  seed.sent_messages_per_key = 2;
  auto out = std::make_unique<Seeded>();
  out->path = DbPath(seed.keys);
  if (!vpnhub::bench::Seed(out->path, seed)) {
    state.SkipWithError("seeding failed");
    return nullptr;
  }
  sqlite3* raw = nullptr;
  sqlite3_open(out->path.c_str(), &raw);
  const int rc =
      sqlite3_exec(raw,
                   "UPDATE outgoing_messages SET state = 'pending' WHERE id % 10000 = 0; "
                   "UPDATE keys SET state = 'revoked', holds_slot = 0 WHERE id % 3 = 0",
                   nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) state.SkipWithError(sqlite3_errmsg(raw));
  sqlite3_close(raw);
  if (rc != SQLITE_OK) return nullptr;
  ::sync();  // the seed's dirty pages are written back before anything is timed
  auto store = vpnhub::storage::SqliteStore::Open({out->path});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return nullptr;
  }
  out->store = std::move(*store);
  return out;
}

void Cleanup(std::unique_ptr<Seeded> seeded) {
  const std::string path = seeded->path;
  seeded.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

void BM_Stats(benchmark::State& state) {
  auto seeded = SeedOnce(state);
  if (!seeded) return;
  std::int64_t users = 0;
  for (auto _ : state) {
    vpnhub::Status st = seeded->store->Read([&](vpnhub::ports::StoreTx& tx) -> vpnhub::Status {
      auto stats = tx.housekeeping().Stats();
      if (!stats.ok()) return stats.status();
      users = stats->users;
      return vpnhub::Status::Ok();
    });
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      break;
    }
  }
  if (users != state.range(0)) state.SkipWithError("Stats() counted the wrong number of users");
  Cleanup(std::move(seeded));
}

void BM_QueueDepth(benchmark::State& state) {
  auto seeded = SeedOnce(state);
  if (!seeded) return;
  std::int64_t pending = 0;
  for (auto _ : state) {
    vpnhub::Status st = seeded->store->Read([&](vpnhub::ports::StoreTx& tx) -> vpnhub::Status {
      auto n = tx.messages().CountMessages(vpnhub::MessageState::kPending);
      if (!n.ok()) return n.status();
      pending = *n;
      return vpnhub::Status::Ok();
    });
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      break;
    }
  }
  if (pending != state.range(0) * 2 / 10000) state.SkipWithError("wrong pending count");
  Cleanup(std::move(seeded));
}

// For comparison: the queries Stats() ran before migration 0009, on a connection of their own.
void BM_CountingAsBefore(benchmark::State& state) {
  auto seeded = SeedOnce(state);
  if (!seeded) return;
  sqlite3* raw = nullptr;
  sqlite3_open_v2(seeded->path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_exec(raw, "PRAGMA cache_size = -8000", nullptr, nullptr, nullptr);
  const char* queries[] = {
      "SELECT count(*) FROM users",
      "SELECT state, count(*) FROM keys GROUP BY state",
      "SELECT kind, state, count(*) FROM tasks WHERE state IN ('pending', 'running', 'failed') "
      "GROUP BY kind, state",
      "SELECT state, count(*) FROM outgoing_messages WHERE state IN ('pending', 'sending', "
      "'failed') GROUP BY state",
  };
  for (auto _ : state) {
    sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr);
    for (const char* sql : queries) {
      if (sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        state.SkipWithError(sqlite3_errmsg(raw));
      }
    }
    sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
  }
  sqlite3_close(raw);
  Cleanup(std::move(seeded));
}

}  // namespace

BENCHMARK(BM_CountingAsBefore)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK(BM_QueueDepth)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK(BM_Stats)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK_MAIN();
