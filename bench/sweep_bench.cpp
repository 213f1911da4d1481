// Figure: one expiry sweep on SQLite with 1,000 keys due among 100,000 and 1,000,000 keys.
//
// BM_ExpirySweep is the sweep an operator's service runs: every key has its own owner, expiry
// notices are on (each owner's "key expired" message is queued in the sweep's transactions, which
// read the owners), and the tables the sweep writes to hold what weeks of past work left behind:
// 2 done tasks and 2 sent messages per key (2,000,000 each at 1,000,000 keys) inside the
// retention. Batches of 500, as the service runs it. Each iteration puts the same 1,000 keys back
// to due and deletes the rows the previous sweep added (untimed), then times one sweep: the
// indexed select, 1,000 state changes, 1,000 outbox rows and 1,000 messages.
// BM_ExpirySweepBare is the earlier, flattering shape: one owner for every key, no notices, no
// settled rows.
//
// Left out: the VPN calls and the worker that runs the revoke tasks, the sender, other writers
// competing for SQLite's one writer (bot, workers, CLI), a cold page cache (the file was just
// written, so the OS has it in memory) and a slow disk (synchronous=NORMAL in WAL mode: commits
// do not wait for fsync; checkpoints run on the store's background thread).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "core/ports/clock.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "seed.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

constexpr std::int64_t kNowMs = 1'800'000'000'000;
constexpr std::int64_t kDue = 1000;

class FixedClock : public vpnhub::ports::Clock {
 public:
  vpnhub::Time Now() const override { return vpnhub::FromUnixMs(kNowMs); }
};

std::string DbPath(std::int64_t keys) {
  auto dir = std::filesystem::temp_directory_path() / "vpnhub-bench";
  std::filesystem::create_directories(dir);
  return (dir / ("sweep-" + std::to_string(keys) + ".db")).string();
}

void RunSweeps(benchmark::State& state, const vpnhub::bench::SeedOptions& seed, bool notify) {
  const std::string path = DbPath(seed.keys);
  if (!vpnhub::bench::Seed(path, seed)) {
    state.SkipWithError("seeding failed");
    return;
  }
  // The seed left gigabytes of dirty pages: written back now, not while sweeps are timed (a
  // running service has no such backlog).
  ::sync();
  const auto seeded = vpnhub::bench::SeededRows(seed);
  auto store = vpnhub::storage::SqliteStore::Open({path});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  FixedClock clock;
  vpnhub::usecases::ExpirySweep sweep(**store, clock, 500, notify);
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  sqlite3_busy_timeout(raw, 5000);
  const std::string reset =
      "BEGIN IMMEDIATE; UPDATE keys SET state = 'active', notified_flags = 0, last_error = '' "
      "WHERE state = 'revoking'; DELETE FROM tasks WHERE id > " +
      std::to_string(seeded.last_task_id) + "; DELETE FROM outgoing_messages WHERE id > " +
      std::to_string(seeded.last_message_id) + "; COMMIT;";
  std::int64_t expired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sqlite3_exec(raw, reset.c_str(), nullptr, nullptr, nullptr);
    state.ResumeTiming();
    auto r = sweep.Run();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    expired = r->keys_expired;
  }
  sqlite3_close(raw);
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  if (expired != kDue) state.SkipWithError("sweep did not expire exactly the due keys");
  state.counters["keys"] = static_cast<double>(seed.keys);
  state.counters["due"] = static_cast<double>(expired);
}

void BM_ExpirySweep(benchmark::State& state) {
  vpnhub::bench::SeedOptions seed;
  seed.keys = state.range(0);
  seed.due = kDue;
  seed.now_ms = kNowMs;
  seed.owner_per_key = true;
  seed.done_tasks_per_key = 2;
  seed.sent_messages_per_key = 2;
  seed.settled_age_ms = 7LL * 86400 * 1000;  // a week ago: retained (RETENTION_DAYS=30)
  RunSweeps(state, seed, /*notify=*/true);
}

void BM_ExpirySweepBare(benchmark::State& state) {
  vpnhub::bench::SeedOptions seed;
  seed.keys = state.range(0);
  seed.due = kDue;
  seed.now_ms = kNowMs;
  seed.owner_per_key = false;
  RunSweeps(state, seed, /*notify=*/false);
}

}  // namespace

BENCHMARK(BM_ExpirySweep)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK(BM_ExpirySweepBare)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK_MAIN();
