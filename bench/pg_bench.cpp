// Issue 4 figures on PostgreSQL (the URL in argv; bench/pg.sh starts a throwaway server):
//
//   vpnhub_pg_bench sweep URL [--rounds N]
//       one expiry sweep with 1,000 keys due among 100,000 and among 1,000,000 keys: the median
//       of N rounds (each round puts the same 1,000 keys back to due, untimed), and the ratio;
//       then the same with the owners' "key expired" messages queued (the bot on)
//   vpnhub_pg_bench seed-tasks URL N
//       N pending tasks (revoke_key of key ids that do not exist), for `claim`
//   vpnhub_pg_bench claim URL --seconds S [--batch B]
//       one worker loop with a no-op backend: ClaimTasks(B) + CompleteTask each, as fast as it
//       goes for S seconds; prints tasks/s. Run it in 1 and in 3 processes at once (pg.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace {

using namespace vpnhub;
using SteadyClock = std::chrono::steady_clock;
constexpr std::int64_t kNowMs = 1'800'000'000'000;
constexpr int kDue = 1000;

class FixedClock : public ports::Clock {
 public:
  Time Now() const override { return FromUnixMs(kNowMs); }
};

class RealClock : public ports::Clock {
 public:
  Time Now() const override {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
};

[[noreturn]] void Die(const std::string& what, const Status& st) {
  std::cerr << what << ": " << st.ToString() << "\n";
  std::exit(1);
}

std::unique_ptr<storage::PostgresStore> OpenStore(const std::string& url) {
  storage::PostgresOptions o;
  o.url = url;
  o.pool_size = 2;
  auto store = storage::PostgresStore::Open(o);
  if (!store.ok()) Die("open", store.status());
  return std::move(*store);
}

std::unique_ptr<storage::PgConnection> Raw(const std::string& url) {
  auto conn = storage::PgConnection::Open(url, std::chrono::seconds(5));
  if (!conn.ok()) Die("connect", conn.status());
  return std::move(*conn);
}

void Exec(storage::PgConnection& c, const std::string& sql) {
  if (Status st = c.Exec(sql); !st.ok()) Die(sql.substr(0, 60), st);
}

// `keys` active keys on one server, the first kDue of them expired at kNowMs - 1 s, the rest
// spread over the next year; one user per key.
void Seed(storage::PgConnection& c, std::int64_t keys) {
  Exec(c, "TRUNCATE keys, tasks, users, servers, locations RESTART IDENTITY CASCADE");
  Exec(c, "INSERT INTO locations (name) VALUES ('bench')");
  Exec(c,
       "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, created_at)"
       " VALUES (1, 'shadowsocks', 'bench-1', '{}', 'h', 2000000000, 0)");
  const std::string n = std::to_string(keys);
  Exec(c, "INSERT INTO users (tg_id, created_at) SELECT g, 0 FROM generate_series(1, " + n + ") g");
  Exec(c,
       "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
       "created_at, updated_at) SELECT g, 1, 'k' || g, g, 's', 'active', CASE WHEN g <= " +
           std::to_string(kDue) + " THEN " + std::to_string(kNowMs - 1000) + " ELSE " +
           std::to_string(kNowMs + 60000) + " + (g * 31536000000::bigint / " + n +
           ") END, 0, 0 FROM generate_series(1, " + n + ") g");
  Exec(c, "VACUUM ANALYZE keys");
}

double MedianSweepMs(const std::string& url, std::int64_t keys, int rounds, bool notify) {
  auto store = OpenStore(url);  // migrated first
  auto raw = Raw(url);
  Seed(*raw, keys);
  FixedClock clock;
  // Batches of 500, as the service runs it; with `notify` each owner's "key expired" message is
  // queued in the same transaction, as when the bot is on.
  usecases::ExpirySweep sweep(*store, clock, 500, notify);
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    Exec(*raw,
         "UPDATE keys SET state = 'active', notified_flags = 0 WHERE state = 'revoking'; "
         "DELETE FROM tasks; DELETE FROM outgoing_messages");
    const auto start = SteadyClock::now();
    auto r = sweep.Run();
    const double took =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    if (!r.ok()) Die("sweep", r.status());
    if (r->keys_expired != kDue) {
      std::cerr << "sweep expired " << r->keys_expired << " keys, expected " << kDue << "\n";
      std::exit(1);
    }
    ms.push_back(took);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int RunSweep(const std::string& url, int rounds) {
  for (bool notify : {false, true}) {
    const double small = MedianSweepMs(url, 100'000, rounds, notify);
    const double large = MedianSweepMs(url, 1'000'000, rounds, notify);
    std::printf(
        "sweep%s, 1,000 due, median of %d: 100k keys %.1f ms, 1M keys %.1f ms, ratio %.2f\n",
        notify ? " + expiry messages" : "", rounds, small, large, large / small);
  }
  return 0;
}

int RunSeedTasks(const std::string& url, std::int64_t n) {
  auto raw = Raw(url);
  OpenStore(url);  // migrated
  Exec(*raw, "TRUNCATE tasks RESTART IDENTITY");
  Exec(*raw,
       "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
       "updated_at) SELECT 'revoke_key', g, 'pending', 0, 0, 0, 0 FROM generate_series(1, " +
           std::to_string(n) + ") g");
  Exec(*raw, "VACUUM ANALYZE tasks");
  return 0;
}

int RunClaim(const std::string& url, int seconds, int batch) {
  auto store = OpenStore(url);
  RealClock clock;
  std::int64_t done = 0;
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::seconds(seconds);
  while (SteadyClock::now() < end) {
    std::vector<Task> claimed;
    Status st = store->Write([&](ports::StoreTx& tx) -> Status {
      auto r = tx.ClaimTasks(clock.Now(), std::chrono::seconds(60), batch);
      if (!r.ok()) return r.status();
      claimed = std::move(*r);
      return Status::Ok();
    });
    if (!st.ok()) Die("claim", st);
    if (claimed.empty()) break;      // ran dry: the figure covers the time until then
    for (const Task& t : claimed) {  // the no-op backend: each task done in its own transaction
      st = store->Write([&](ports::StoreTx& tx) { return tx.CompleteTask(t.id, clock.Now()); });
      if (!st.ok()) Die("complete", st);
      ++done;
    }
  }
  const double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::printf("claim+complete: %lld tasks in %.2f s = %.0f tasks/s (batch %d)\n",
              static_cast<long long>(done), secs, done / secs, batch);
  return 0;
}

void Usage() {
  std::puts(
      "usage: vpnhub_pg_bench sweep URL [--rounds N]\n"
      "       vpnhub_pg_bench seed-tasks URL N\n"
      "       vpnhub_pg_bench claim URL --seconds S [--batch B]\n"
      "Issue 4 figures on PostgreSQL; bench/pg.sh starts a server and runs them all.");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    Usage();
    return argc == 2 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  const std::string mode = argv[1], url = argv[2];
  int rounds = 5, seconds = 10, batch = 16;
  std::int64_t n = 0;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atoi(argv[++i]);
    } else if (a == "--batch" && i + 1 < argc) {
      batch = std::atoi(argv[++i]);
    } else if (mode == "seed-tasks") {
      n = std::atoll(argv[i]);
    } else {
      Usage();
      return 2;
    }
  }
  if (mode == "sweep") return RunSweep(url, std::max(1, rounds));
  if (mode == "seed-tasks" && n > 0) return RunSeedTasks(url, n);
  if (mode == "claim") return RunClaim(url, std::max(1, seconds), std::max(1, batch));
  Usage();
  return 2;
}
