// Figure: one expiry sweep on SQLite with 1,000 keys due among 100,000 and 1,000,000 keys.
// Each iteration puts the same 1,000 keys back to due (untimed) and times one sweep: the
// indexed select, 1,000 state changes and 1,000 outbox rows in one transaction.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
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

void BM_ExpirySweep(benchmark::State& state) {
  const std::int64_t keys = state.range(0);
  const std::string path = DbPath(keys);
  if (!vpnhub::bench::SeedKeys(path, keys, kDue, kNowMs)) {
    state.SkipWithError("seeding failed");
    return;
  }
  auto store = vpnhub::storage::SqliteStore::Open({path});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  FixedClock clock;
  vpnhub::usecases::ExpirySweep sweep(**store, clock);
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  sqlite3_busy_timeout(raw, 5000);
  std::int64_t expired = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sqlite3_exec(raw,
                 "BEGIN IMMEDIATE; UPDATE keys SET state='active' WHERE state='revoking'; "
                 "DELETE FROM tasks; COMMIT;",
                 nullptr, nullptr, nullptr);
    state.ResumeTiming();
    auto r = sweep.Run();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    expired = r->keys_expired;
  }
  sqlite3_close(raw);
  if (expired != kDue) state.SkipWithError("sweep did not expire exactly the due keys");
  state.counters["keys"] = static_cast<double>(keys);
  state.counters["due"] = static_cast<double>(expired);
}

}  // namespace

BENCHMARK(BM_ExpirySweep)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK_MAIN();
