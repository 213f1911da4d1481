// Issue 4 figures on PostgreSQL (the URL in argv; bench/pg.sh starts a throwaway server):
//
//   vpnhub_pg_bench sweep URL [--rounds N]
//       one expiry sweep with 1,000 keys due among 100,000 and among 1,000,000 keys: the median
//       of N rounds (each round puts the same 1,000 keys back to due and deletes what the last
//       sweep added, untimed), and the ratio. Production-like: one owner per key, expiry notices
//       on (each owner's "key expired" message queued in the sweep's transactions), and 2 done
//       tasks and 2 sent messages per key retained in the tables the sweep writes to. Then the
//       bare shape for comparison: no notices, no retained rows.
//       Left out: the VPN calls and the workers that run the revoke tasks, the sender, other
//       transactions competing for the same rows and the WAL (bot, workers), a cold cache.
//   vpnhub_pg_bench stats URL [--rounds N]
//       at 100,000 and 1,000,000 keys (production-like, as above): the median of one Stats()
//       (the statistics job, the admin summary), one CountMessages(pending) (the sender's queue
//       depth) and one FoldStatCounters(), each its own transaction; and, for comparison, the
//       counting queries Stats() ran before the counters (count(*) of users, keys by state).
//   vpnhub_pg_bench seed-tasks URL N
//       N keys in state revoking, each with its pending revoke_key task (what a sweep leaves)
//   vpnhub_pg_bench claim URL --seconds S [--concurrency C] [--batch B]
//       the service's own worker (EmbeddedWorker + TaskExecutor, C threads, batches up to B) with
//       a no-op VPN backend, for S seconds or until the queue runs dry: claim, load the key, call
//       the backend, mark the key revoked, complete the task. Prints tasks/s. pg.sh runs it in 1
//       and in 3 processes at once.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/task_executor.hpp"
#include "fakes/fake_backend.hpp"
#include "metrics/registry.hpp"
#include "queue/embedded_worker.hpp"
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

class QuietLog : public ports::EventLog {
 public:
  void Log(ports::LogLevel, std::string_view, std::initializer_list<ports::LogField>) override {}
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
// spread over the next year; one user per key. With `retained`, 2 done tasks and 2 sent messages
// per key, settled a week ago (inside the default retention).
void Seed(storage::PgConnection& c, std::int64_t keys, bool retained) {
  Exec(c,
       "TRUNCATE keys, tasks, users, servers, locations, outgoing_messages, stat_counters, "
       "stat_deltas RESTART IDENTITY CASCADE");
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
  if (retained) {
    const std::string settled = std::to_string(kNowMs - 7LL * 86400 * 1000);
    Exec(c,
         "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
         "updated_at) SELECT CASE WHEN g % 2 = 1 THEN 'provision_key' ELSE 'revoke_key' END, "
         "1 + (g - 1) % " +
             n + ", 'done', 1, " + settled + ", " + settled + ", " + settled +
             " FROM generate_series(1, 2 * " + n + ") g");
    Exec(c,
         "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, state, attempts, "
         "next_attempt_at, created_at, updated_at) SELECT 1 + (g - 1) % " +
             n +
             ", CASE WHEN g % 2 = 1 THEN 'key_ready' ELSE 'expiry_notice' END, 2, "
             "1 + (g - 1) % " +
             n + ", 'sent', 1, " + settled + ", " + settled + ", " + settled +
             " FROM generate_series(1, 2 * " + n + ") g");
  }
  // The counts of the rows inserted above, as the migration would have taken them.
  Exec(c, "DELETE FROM stat_deltas");
  Exec(c,
       "INSERT INTO stat_counters (name, value) SELECT 'users', count(*) FROM users "
       "UNION ALL SELECT 'keys:' || state, count(*) FROM keys GROUP BY state");
  for (const char* table : {"keys", "users", "tasks", "outgoing_messages"}) {
    Exec(c, std::string("VACUUM ANALYZE ") + table);
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double MedianSweepMs(const std::string& url, std::int64_t keys, int rounds, bool production) {
  auto store = OpenStore(url);  // migrated first
  auto raw = Raw(url);
  Seed(*raw, keys, /*retained=*/production);
  const std::string seeded = std::to_string(production ? 2 * keys : 0);
  FixedClock clock;
  // Batches of 500, as the service runs it; production-like, each owner's "key expired" message
  // is queued in the same transaction, as when the bot is on.
  usecases::ExpirySweep sweep(*store, clock, 500, /*notify=*/production);
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    Exec(*raw,
         "UPDATE keys SET state = 'active', notified_flags = 0 WHERE state = 'revoking'; "
         "DELETE FROM tasks WHERE id > " +
             seeded + "; DELETE FROM outgoing_messages WHERE id > " + seeded);
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
  return Median(ms);
}

int RunSweep(const std::string& url, int rounds) {
  for (bool production : {true, false}) {
    const double small = MedianSweepMs(url, 100'000, rounds, production);
    const double large = MedianSweepMs(url, 1'000'000, rounds, production);
    std::printf(
        "sweep %s, 1,000 due, median of %d: 100k keys %.1f ms, 1M keys %.1f ms, ratio %.2f\n",
        production ? "production-like (one owner per key, notices on, 2 done tasks + 2 sent "
                     "messages per key retained)"
                   : "bare (no notices, no retained rows)",
        rounds, small, large, large / small);
  }
  return 0;
}

// Milliseconds of one call of fn, median of `rounds`.
template <typename Fn>
double MedianMs(int rounds, Fn fn) {
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    const auto start = SteadyClock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
  }
  return Median(ms);
}

int RunStats(const std::string& url, int rounds) {
  for (std::int64_t keys : {100'000, 1'000'000}) {
    auto store = OpenStore(url);
    auto raw = Raw(url);
    Seed(*raw, keys, /*retained=*/true);
    Exec(*raw, "UPDATE outgoing_messages SET state = 'pending' WHERE id % 10000 = 0");
    Exec(*raw, "UPDATE keys SET state = 'revoked', holds_slot = false WHERE id % 3 = 0");
    auto check = [](const Status& st) {
      if (!st.ok()) Die("stats", st);
    };
    const double fold = MedianMs(rounds, [&] {
      check(store->Write(ports::WriteKind::kQueue,
                         [](ports::StoreTx& tx) { return tx.housekeeping().FoldStatCounters(); }));
    });
    std::int64_t users = 0;
    const double stats = MedianMs(rounds, [&] {
      check(store->Read([&](ports::StoreTx& tx) -> Status {
        auto s = tx.housekeeping().Stats();
        if (!s.ok()) return s.status();
        users = s->users;
        return Status::Ok();
      }));
    });
    if (users != keys) {
      std::cerr << "Stats() counted " << users << " users, expected " << keys << "\n";
      std::exit(1);
    }
    const double depth = MedianMs(rounds, [&] {
      check(store->Read([](ports::StoreTx& tx) {
        return tx.messages().CountMessages(MessageState::kPending).status();
      }));
    });
    const double counting = MedianMs(rounds, [&] {
      check(raw->Query("SELECT count(*) FROM users").status());
      check(raw->Query("SELECT state, count(*) FROM keys GROUP BY state").status());
    });
    std::printf(
        "%lld keys, median of %d: Stats() %.3f ms, CountMessages(pending) %.3f ms, "
        "FoldStatCounters() %.3f ms; counting users and keys as Stats() did before: %.1f ms\n",
        static_cast<long long>(keys), rounds, stats, depth, fold, counting);
  }
  return 0;
}

// n keys in state revoking on one server, each with its pending revoke task due now.
int RunSeedTasks(const std::string& url, std::int64_t n) {
  OpenStore(url);  // migrated
  auto raw = Raw(url);
  Exec(*raw, "TRUNCATE keys, tasks, users, servers, locations RESTART IDENTITY CASCADE");
  Exec(*raw, "INSERT INTO locations (name) VALUES ('bench')");
  Exec(*raw,
       "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, created_at)"
       " VALUES (1, 'shadowsocks', 'bench-1', '{}', 'h', 2000000000, 0)");
  const std::string count = std::to_string(n);
  Exec(*raw, "INSERT INTO users (tg_id, created_at) SELECT g, 0 FROM generate_series(1, " + count +
                 ") g");
  Exec(*raw,
       "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
       "created_at, updated_at) SELECT g, 1, 'k' || g, g, 's', 'revoking', 0, 0, 0 "
       "FROM generate_series(1, " +
           count + ") g");
  Exec(*raw,
       "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
       "updated_at) SELECT 'revoke_key', g, 'pending', 0, 0, 0, 0 FROM generate_series(1, " +
           count + ") g");
  Exec(*raw, "VACUUM ANALYZE keys");
  Exec(*raw, "VACUUM ANALYZE tasks");
  return 0;
}

int RunClaim(const std::string& url, int seconds, int concurrency, int batch) {
  storage::PostgresOptions o;
  o.url = url;
  o.pool_size = concurrency + 2;
  auto store = storage::PostgresStore::Open(o);
  if (!store.ok()) Die("open", store.status());
  RealClock clock;
  QuietLog log;
  metrics::Registry registry;
  fakes::FakeBackend backend;  // accepts every call at once: the figure is VPNHub's own cost
  usecases::Backends backends;
  backends.Add(&backend);
  usecases::TaskExecutor executor(**store, backends, clock, log);
  queue::EmbeddedWorkerOptions wo;
  wo.concurrency = concurrency;
  wo.max_batch = batch;
  wo.idle_poll = std::chrono::milliseconds(5);
  queue::EmbeddedWorker worker(**store, executor, clock, log, registry, wo);
  auto& done =
      registry.GetCounter("vpnhub_tasks_processed_total", "Tasks run by the worker, by outcome",
                          {{"kind", "revoke_key"}, {"outcome", "done"}});
  auto raw = Raw(url);
  auto open_tasks = [&] {
    auto r =
        raw->Query("SELECT EXISTS (SELECT 1 FROM tasks WHERE state IN ('pending', 'running'))");
    if (!r.ok()) Die("open tasks", r.status());
    return r->Bool(0, 0);
  };
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::seconds(seconds);
  worker.Start();
  while (SteadyClock::now() < end && open_tasks()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  const auto finished = static_cast<long long>(done.Value());
  worker.Stop();
  std::printf("claim+complete: %lld tasks in %.2f s = %.0f tasks/s (%d threads, batch <= %d)\n",
              finished, secs, finished / secs, concurrency, batch);
  return 0;
}

void Usage() {
  std::puts(
      "usage: vpnhub_pg_bench sweep URL [--rounds N]\n"
      "       vpnhub_pg_bench stats URL [--rounds N]\n"
      "       vpnhub_pg_bench seed-tasks URL N\n"
      "       vpnhub_pg_bench claim URL --seconds S [--concurrency C] [--batch B]\n"
      "Issue 4 figures on PostgreSQL; bench/pg.sh starts a server and runs them all.");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    Usage();
    return argc == 2 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  const std::string mode = argv[1], url = argv[2];
  int rounds = 5, seconds = 10, batch = 64, concurrency = 4;
  std::int64_t n = 0;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atoi(argv[++i]);
    } else if (a == "--concurrency" && i + 1 < argc) {
      concurrency = std::atoi(argv[++i]);
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
  if (mode == "stats") return RunStats(url, std::max(1, rounds));
  if (mode == "seed-tasks" && n > 0) return RunSeedTasks(url, n);
  if (mode == "claim") {
    return RunClaim(url, std::max(1, seconds), std::max(1, concurrency), std::max(1, batch));
  }
  Usage();
  return 2;
}
