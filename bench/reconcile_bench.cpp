// Issue 17 figure: the reconciliation of one server holding 10,000 keys (usecases::Reconciler),
// its duration and the process's peak RSS.
//
// The server side is an in-process backend that lists --keys keys of a shadowsocks-shaped
// server (remote id = port_from + slot, secret = password): a real ss-manager runs one ss-server
// process per port and cannot hold 10,000 ports on this machine. The database is a SQLite file
// shaped like production: one owner per key, --history revoked keys of the same server (retained
// history, slots reused) and --history done tasks. The listing drifts a little, so every path
// runs: --missing keys absent (restore tasks are committed), --mismatch keys with another
// password, --orphans ports nobody holds (removed through the backend).
//
//   vpnhub_reconcile_bench --db PATH --seed [--keys 10000] [--history 20000]
//   vpnhub_reconcile_bench --db PATH --run [--keys 10000] [--page 500] [--missing 100]
//                          [--mismatch 10] [--orphans 50]
// --seed and --run are separate processes so that --run's peak RSS is the reconciliation's own
// (plus the process and SQLite's page cache). Prints one line of figures.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/usecases/reconcile.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

using namespace vpnhub;
using SteadyClock = std::chrono::steady_clock;

constexpr int kPortFrom = 20000;

class WallClock : public ports::Clock {
 public:
  Time Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

std::string Secret(long long slot) { return "pw" + std::to_string(slot * 7919 % 1000003); }

// A shadowsocks-shaped server listing `keys` ports, some missing, mismatched or orphaned.
class ListingBackend : public ports::VpnBackend {
 public:
  ListingBackend(int keys, int missing, int mismatch, int orphans)
      : keys_(keys), missing_(missing), mismatch_(mismatch), orphans_(orphans) {}
  ServerKind kind() const override { return "shadowsocks"; }
  Status ValidateSettings(const Server&) const override { return Status::Ok(); }
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server&) const override {
    return std::optional<ports::KeyPortRange>();
  }
  Status CreateKey(const Server&, const Key&) override { return Status::Ok(); }
  Status DeleteKey(const Server&, const Key&) override { return Status::Ok(); }
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server&) override {
    std::vector<ports::RemoteKey> out;
    out.reserve(keys_ + orphans_);
    for (int slot = 0; slot < keys_; ++slot) {
      if (slot % (keys_ / std::max(1, missing_)) == 1 &&
          slot / (keys_ / std::max(1, missing_)) < missing_) {
        continue;  // missing
      }
      const bool wrong = slot % 997 == 3 && slot / 997 < mismatch_;
      out.push_back({std::to_string(kPortFrom + slot), wrong ? "someone-else" : Secret(slot)});
    }
    for (int i = 0; i < orphans_; ++i) {
      out.push_back({std::to_string(kPortFrom + keys_ + i), "orphan"});
    }
    return out;
  }
  Status Ping(const Server&) override { return Status::Ok(); }
  std::string NewSecret(ports::SecretSource& secrets) const override { return secrets.Token(22); }
  Result<ports::KeyDelivery> Delivery(const Server&, const Key&,
                                      const std::string&) const override {
    return ports::KeyDelivery{};
  }
  std::optional<std::string> RemoteIdOf(const Server&, const Key& key) const override {
    return std::to_string(kPortFrom + key.slot);
  }
  bool IsOurRemoteKey(const Server&, const ports::RemoteKey&) const override { return true; }
  bool SameCredential(const Key& key, const ports::RemoteKey& remote) const override {
    return key.secret == remote.secret;
  }
  Status DeleteRemoteKey(const Server&, const ports::RemoteKey&) override {
    ++removed;
    return Status::Ok();
  }
  std::atomic<int> removed{0};

 private:
  int keys_, missing_, mismatch_, orphans_;
};

Status SeedDb(ports::Store& store, const ports::Clock& clock, int keys, int history) {
  return store.Write([&](ports::StoreTx& tx) -> Status {
    Location l;
    l.name = "nl";
    VPNHUB_ASSIGN_OR_RETURN(Id loc, tx.catalog().InsertLocation(l));
    Server s;
    s.location_id = loc;
    s.kind = "shadowsocks";
    s.name = "nl-big";
    s.capacity = keys + 100;
    s.public_host = "vpn.example.com";
    s.created_at = clock.Now();
    VPNHUB_ASSIGN_OR_RETURN(Id server, tx.catalog().InsertServer(s));
    const Time now = clock.Now();
    auto add_key = [&](long long n, int slot, KeyState state) -> Status {
      User u;
      u.tg_id = 1'000'000 + n;
      u.username = "user" + std::to_string(n);
      u.created_at = now;
      VPNHUB_ASSIGN_OR_RETURN(Id user, tx.users().InsertUser(u));
      Key k;
      k.user_id = user;
      k.server_id = server;
      k.slot = slot;
      k.remote_name = "vpnhub-" + std::to_string(n);
      k.secret = state == KeyState::kActive ? Secret(slot) : "old" + std::to_string(n);
      k.state = state;
      k.expires_at = now + std::chrono::hours(24 * 30);
      k.created_at = k.updated_at = now - std::chrono::hours(1);
      VPNHUB_ASSIGN_OR_RETURN(Id id, tx.keys().InsertKey(k));
      if (state == KeyState::kRevoked) {
        VPNHUB_ASSIGN_OR_RETURN(Id task, tx.tasks().EnqueueTask(TaskKind::kRevokeKey, id, now));
        (void)task;
      }
      return Status::Ok();
    };
    // History first (older ids), on the slots the active keys hold now.
    for (long long n = 0; n < history; ++n) {
      VPNHUB_RETURN_IF_ERROR(add_key(n, static_cast<int>(n % keys), KeyState::kRevoked));
    }
    for (int slot = 0; slot < keys; ++slot) {
      VPNHUB_RETURN_IF_ERROR(add_key(history + slot, slot, KeyState::kActive));
    }
    return Status::Ok();
  });
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: vpnhub_reconcile_bench --db PATH (--seed | --run) [--keys N] "
               "[--history N] [--page N] [--missing N] [--mismatch N] [--orphans N]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  bool seed = false, run = false;
  int keys = 10000, history = 20000, page = 500, missing = 100, mismatch = 10, orphans = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seed") {
      seed = true;
      continue;
    }
    if (arg == "--run") {
      run = true;
      continue;
    }
    if (i + 1 >= argc) Usage(("missing value of " + arg).c_str());
    const std::string v = argv[++i];
    if (arg == "--db")
      db = v;
    else if (arg == "--keys")
      keys = std::atoi(v.c_str());
    else if (arg == "--history")
      history = std::atoi(v.c_str());
    else if (arg == "--page")
      page = std::atoi(v.c_str());
    else if (arg == "--missing")
      missing = std::atoi(v.c_str());
    else if (arg == "--mismatch")
      mismatch = std::atoi(v.c_str());
    else if (arg == "--orphans")
      orphans = std::atoi(v.c_str());
    else
      Usage(("unknown option " + arg).c_str());
  }
  if (db.empty() || seed == run || keys <= 0) Usage("give --db and one of --seed, --run");
  if (seed) std::remove(db.c_str());
  auto store = storage::SqliteStore::Open({db});
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", db.c_str(), store.status().ToString().c_str());
    return 1;
  }
  WallClock clock;
  if (seed) {
    const auto t0 = SteadyClock::now();
    Status st = SeedDb(**store, clock, keys, history);
    if (!st.ok()) {
      std::fprintf(stderr, "seed: %s\n", st.ToString().c_str());
      return 1;
    }
    std::printf("seeded %d active keys, %d revoked, in %.1f s\n", keys, history,
                std::chrono::duration<double>(SteadyClock::now() - t0).count());
    return 0;
  }
  ListingBackend backend(keys, missing, mismatch, orphans);
  usecases::Backends backends;
  backends.Add(&backend);
  usecases::Reconciler reconciler(**store, backends, clock);
  usecases::ReconcileOptions options;
  options.page_size = page;
  const long rss_before = PeakRssKb();
  const auto t0 = SteadyClock::now();
  auto report = reconciler.Run(1, options);
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  if (!report.ok()) {
    std::fprintf(stderr, "reconcile: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "reconcile keys=%d page=%d listed=%d checked=%d missing=%d mismatch=%d orphans=%d "
      "repairs=%d duration_s=%.3f peak_rss_kb_before=%ld peak_rss_kb=%ld\n",
      keys, page, report->remote_keys, report->checked_keys, report->missing, report->mismatches,
      report->orphans, report->repairs(), seconds, rss_before, PeakRssKb());
  return 0;
}
