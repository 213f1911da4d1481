// Issue 13 figure: crediting throughput, on SQLite or PostgreSQL (the DATABASE_URL in argv;
// bench/billing.sh runs both, starting a throwaway PostgreSQL server):
//
//   vpnhub_billing_bench URL [--users N] [--payments P] [--confirmers C]
//
// The store is opened as `vpnhub serve` opens it (app::OpenStore, 8 PostgreSQL connections) and
// BillingService is wired as the service wires it (one admin told of every payment). Seeded, in
// the service's own tables through the store's ports, production-shaped: N people, each with an
// active key (on 4 servers of one location), 2 fulfilled Stars orders with their 2 credited
// payments, 3 sent messages (receipt, key ready, expiry notice) and a done provisioning task.
// Then P more people with a created order each (untimed). Timed: C confirmer threads work through
// 2P confirmations, every other one a replay (the same successful_payment delivered again) of the
// payment credited last, or of a seeded payment before the first credit: P credit, P report
// "already credited". Prints confirmations/s and the latency of each kind, and checks that every
// new payment credited once and every replay changed nothing (exit 1 otherwise).
// Left out: the bot around ConfirmPayment (update parsing, the reply), the workers that run the
// provisioning tasks the credits enqueue, the sender, other writers (sweep, bot) and a cold cache.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/store_factory.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/key_service.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_payment_provider.hpp"
#include "fakes/fake_secrets.hpp"
#include "percentile.hpp"

namespace {

using namespace vpnhub;
using bench::Percentile;
using Outcome = usecases::ConfirmResult::Outcome;
using SteadyClock = std::chrono::steady_clock;
constexpr TgId kAdmin = 1;
constexpr int kServers = 4;
constexpr int kSeedBatch = 250;

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

void Check(const std::string& what, const Status& st) {
  if (!st.ok()) Die(what, st);
}

struct Options {
  std::string url;
  int users = 5000;
  int payments = 2000;
  int confirmers = 8;
};

class Bench {
 public:
  explicit Bench(const Options& o) : o_(o) {
    auto opened = app::OpenStore(o.url);
    if (!opened.ok()) Die("open", opened.status());
    store_ = std::move(opened->store);
    kind_ = opened->kind;
    backends_.Add(&backend_);
    BillingConfig config;
    config.tariffs = {{1, 300}, {3, 800}};
    config.tariff_stars = {100, 250};
    keys_ = std::make_unique<usecases::KeyService>(*store_, backends_, secrets_, clock_, "en");
    billing_ = std::make_unique<usecases::BillingService>(
        *store_, *keys_, clock_, config, usecases::BillingService::Providers{{"stars", &provider_}},
        std::vector<TgId>{kAdmin}, "en");
  }

  void SeedCatalog() {
    Check("catalog", store_->Write([&](ports::StoreTx& tx) -> Status {
      Location loc;
      loc.name = "bench";
      VPNHUB_ASSIGN_OR_RETURN(location_, tx.catalog().InsertLocation(loc));
      for (int i = 0; i < kServers; ++i) {
        Server s;
        s.location_id = location_;
        s.kind = "shadowsocks";
        s.name = "bench-" + std::to_string(i);
        s.public_host = "h" + std::to_string(i);
        s.capacity = 1'000'000;
        s.created_at = clock_.Now();
        VPNHUB_ASSIGN_OR_RETURN(Id id, tx.catalog().InsertServer(s));
        servers_.push_back(id);
      }
      return Status::Ok();
    }));
  }

  // Seeded person i: a key, two fulfilled and paid orders, their messages, a done task.
  Status SeedPerson(ports::StoreTx& tx, int i, Time now, std::vector<Id>& tasks) {
    User u;
    u.tg_id = 10'000'000 + i;
    u.username = "user" + std::to_string(i);
    u.trial_used = true;
    u.created_at = now - std::chrono::hours(24 * 90);
    VPNHUB_ASSIGN_OR_RETURN(Id user, tx.users().InsertUser(u));
    Key k;
    k.user_id = user;
    k.server_id = servers_[i % kServers];
    k.slot = i / kServers;
    k.remote_name = "seed-" + std::to_string(i);
    k.secret = "secret";
    k.state = KeyState::kActive;
    k.expires_at = now + std::chrono::hours(24 * (1 + i % 60));
    k.created_at = k.updated_at = u.created_at;
    VPNHUB_ASSIGN_OR_RETURN(Id key, tx.keys().InsertKey(k));
    for (int n = 0; n < 2; ++n) {
      Order o;
      o.user_id = user;
      o.kind = n == 0 ? OrderKind::kNewKey : OrderKind::kExtend;
      o.location_id = location_;
      o.key_id = n == 0 ? 0 : key;
      o.months = 1;
      o.provider = "stars";
      o.amount = 100;
      o.currency = kStarsCurrency;
      o.state = OrderState::kFulfilled;
      o.result_key_id = key;
      o.created_at = o.updated_at = u.created_at + std::chrono::hours(24 * 30 * n);
      o.expires_at = o.created_at + std::chrono::hours(1);
      VPNHUB_ASSIGN_OR_RETURN(o.id, tx.billing().InsertOrder(o));
      Payment p;
      p.provider = "stars";
      p.provider_payment_id = "seed-" + std::to_string(i) + "-" + std::to_string(n);
      p.order_id = o.id;
      p.user_id = user;
      p.amount = 100;
      p.currency = kStarsCurrency;
      p.state = PaymentState::kCredited;
      p.created_at = p.updated_at = o.created_at;
      VPNHUB_RETURN_IF_ERROR(tx.billing().InsertPayment(p).status());
      if (n == 0) seeded_.push_back(fakes::PaidInFull(o, p.provider_payment_id, u.tg_id));
    }
    for (MessageKind kind :
         {MessageKind::kText, MessageKind::kKeyReady, MessageKind::kExpiryNotice}) {
      OutgoingMessage m;
      m.chat_id = u.tg_id;
      m.kind = kind;
      m.subject_id = key;
      m.text = kind == MessageKind::kText ? "Payment received: 100 ⭐" : "";
      m.created_at = m.next_attempt_at = u.created_at;
      VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(m).status());
    }
    VPNHUB_ASSIGN_OR_RETURN(Id task,
                            tx.tasks().EnqueueTask(TaskKind::kProvisionKey, key, u.created_at));
    tasks.push_back(task);
    return Status::Ok();
  }

  void SeedHistory() {
    const Time now = clock_.Now();
    for (int from = 0; from < o_.users; from += kSeedBatch) {
      Check("seed", store_->Write([&](ports::StoreTx& tx) -> Status {
        std::vector<Id> tasks;
        for (int i = from; i < std::min(o_.users, from + kSeedBatch); ++i) {
          VPNHUB_RETURN_IF_ERROR(SeedPerson(tx, i, now, tasks));
        }
        // Settled as the workers and the sender would have left them.
        for (Id t : tasks) {
          VPNHUB_RETURN_IF_ERROR(tx.tasks().ClaimTask(t, now, std::chrono::seconds(60)).status());
          VPNHUB_RETURN_IF_ERROR(tx.tasks().CompleteTask(t, now));
        }
        for (;;) {
          VPNHUB_ASSIGN_OR_RETURN(auto claimed,
                                  tx.messages().ClaimMessages(now, std::chrono::seconds(60), 500));
          if (claimed.empty()) return Status::Ok();
          for (const auto& m : claimed)
            VPNHUB_RETURN_IF_ERROR(tx.messages().CompleteMessage(m.id, now));
        }
      }));
    }
  }

  // P people with a created one-month order each, through CreateOrder as the bot makes them.
  void CreateOrders() {
    for (int i = 0; i < o_.payments; ++i) {
      const TgId tg = 20'000'000 + i;
      Check("user", store_->Write([&](ports::StoreTx& tx) {
        User u;
        u.tg_id = tg;
        u.created_at = clock_.Now();
        return tx.users().InsertUser(u).status();
      }));
      auto order = billing_->CreateOrder(fakes::NewKeyRequest(tg, location_, 1));
      if (!order.ok()) Die("order", order.status());
      fresh_.push_back(fakes::PaidInFull(*order, "run-" + std::to_string(i), tg));
    }
  }

  int Run();

 private:
  Options o_;
  std::unique_ptr<ports::Store> store_;
  std::string kind_;
  fakes::FakeBackend backend_;
  usecases::Backends backends_;
  fakes::FakeSecrets secrets_;
  RealClock clock_;
  fakes::FakeProvider provider_;
  std::unique_ptr<usecases::KeyService> keys_;
  std::unique_ptr<usecases::BillingService> billing_;
  Id location_ = 0;
  std::vector<Id> servers_;
  std::vector<ports::PaymentConfirmation> seeded_;
  std::vector<ports::PaymentConfirmation> fresh_;
};

int Bench::Run() {
  const int jobs = 2 * o_.payments;
  std::atomic<int> next{0};
  std::atomic<int> last_credited{-1};  // index into fresh_ of a payment credited already
  std::mutex mu;
  std::vector<double> new_ms, replay_ms;
  int credited = 0, replayed = 0, wrong = 0;
  auto worker = [&] {
    std::vector<double> my_new, my_replay;
    int my_credited = 0, my_replayed = 0, my_wrong = 0;
    for (int j = next++; j < jobs; j = next++) {
      const bool replay = j % 2 == 1;
      const int last = last_credited.load();
      const auto& conf = !replay     ? fresh_[j / 2]
                         : last >= 0 ? fresh_[last]
                                     : seeded_[j % seeded_.size()];
      const auto start = SteadyClock::now();
      auto r = billing_->ConfirmPayment(conf);
      const double ms =
          std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
      (replay ? my_replay : my_new).push_back(ms);
      if (!r.ok()) {
        std::cerr << "confirm: " << r.status().ToString() << "\n";
        ++my_wrong;
      } else if (!replay && r->outcome == Outcome::kCredited) {
        ++my_credited;
        int seen = last_credited.load();
        while (seen < j / 2 && !last_credited.compare_exchange_weak(seen, j / 2)) {
        }
      } else if (replay && r->outcome == Outcome::kAlreadyCredited) {
        ++my_replayed;
      } else {
        ++my_wrong;
      }
    }
    std::lock_guard lock(mu);
    new_ms.insert(new_ms.end(), my_new.begin(), my_new.end());
    replay_ms.insert(replay_ms.end(), my_replay.begin(), my_replay.end());
    credited += my_credited;
    replayed += my_replayed;
    wrong += my_wrong;
  };
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o_.confirmers; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();

  std::int64_t payments = 0;
  Check("count", store_->Read([&](ports::StoreTx& tx) -> Status {
    ports::PaymentFilter f;
    f.limit = 10 * (o_.users + o_.payments);
    VPNHUB_ASSIGN_OR_RETURN(auto all, tx.billing().ListPayments(f));
    payments = static_cast<std::int64_t>(all.size());
    return Status::Ok();
  }));
  const std::int64_t expected = 2LL * o_.users + o_.payments;
  std::printf("%s: %d people seeded (a key, 2 paid orders, 3 sent messages, a done task each)\n",
              kind_.c_str(), o_.users);
  std::printf("  %d confirmers, %d confirmations (%d new, %d replays) in %.2f s = %.0f/s\n",
              o_.confirmers, jobs, o_.payments, o_.payments, seconds, jobs / seconds);
  std::printf("  new payments credited: %d = %.0f/s; replays answered already credited: %d\n",
              credited, credited / seconds, replayed);
  std::printf("  latency new: p50 %.2f ms, p99 %.1f ms; replay: p50 %.2f ms, p99 %.1f ms\n",
              Percentile(new_ms, 0.5), Percentile(new_ms, 0.99), Percentile(replay_ms, 0.5),
              Percentile(replay_ms, 0.99));
  std::printf("  payment rows: %lld (expected %lld); wrong outcomes or errors: %d\n",
              static_cast<long long>(payments), static_cast<long long>(expected), wrong);
  return wrong == 0 && credited == o_.payments && replayed == o_.payments && payments == expected
             ? 0
             : 1;
}

void Usage() {
  std::puts(
      "usage: vpnhub_billing_bench DATABASE_URL [--users N] [--payments P] [--confirmers C]\n"
      "  (defaults 5000, 2000, 8) on an empty database: sqlite:///tmp/x.db or postgresql://...\n"
      "Crediting throughput; see bench/billing.sh.");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    Usage();
    return argc < 2 ? 2 : 0;
  }
  Options o;
  o.url = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (flag == "--users") {
      o.users = v;
    } else if (flag == "--payments") {
      o.payments = v;
    } else if (flag == "--confirmers") {
      o.confirmers = v;
    } else {
      Usage();
      return 2;
    }
  }
  if (o.users <= 0 || o.payments <= 0 || o.confirmers <= 0) {
    Usage();
    return 2;
  }
  Bench bench(o);
  const auto start = SteadyClock::now();
  bench.SeedCatalog();
  bench.SeedHistory();
  bench.CreateOrders();
  std::printf("(seeded in %.1f s)\n",
              std::chrono::duration<double>(SteadyClock::now() - start).count());
  return bench.Run();
}
