// Bot figures of issue 3, against the fake Bot API (tests/servers) over loopback HTTP and a
// SQLite database file, with the same parts `vpnhub serve` wires (app::MakeContext, the poller,
// the update pool, the router, the sender):
//
//   bot_bench updates [--count N]   a burst of N /start from distinct people, queued at the fake
//                                   before polling starts: updates handled per second, and the
//                                   time from the poller receiving an update to its reply being
//                                   in the queue (p50/p99/max), split into waiting for a handler
//                                   and handling
//   bot_bench send [--seconds S]    the sender against a fake that enforces Telegram's limits
//                                   (30/s total, 1/s per chat): messages accepted per second over
//                                   S seconds and the 429s the fake answered
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "app/bot_role.hpp"
#include "app/config.hpp"
#include "app/context.hpp"
#include "bot/router.hpp"
#include "bot_bench_support.hpp"
#include "servers/fake_telegram.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/poller.hpp"
#include "telegram/sender.hpp"

namespace {

using namespace vpnhub;
using bench::kToken;
using bench::MakeBenchContext;
using bench::Percentile;
using bench::TempDb;
using Clock = std::chrono::steady_clock;

int RunUpdates(int count) {
  servers::FakeTelegram fake(kToken);
  if (!fake.Start().ok()) return 1;
  TempDb db;
  auto ctx = MakeBenchContext(fake, db, 30);
  for (int i = 0; i < count; ++i) fake.PushUpdate(servers::MessageUpdate(100'000 + i, "/start"));

  struct Timing {
    Clock::time_point received, started;
  };
  std::mutex mu;
  std::unordered_map<std::int64_t, Timing> timing;
  std::vector<double> total_ms, wait_ms, handle_ms;
  total_ms.reserve(count);
  Clock::time_point last_done;

  bot::RouterOptions ro;
  ro.service_name = "VPNHub";
  bot::Router router(*ctx->bot, nullptr, ro, ctx->clock, &ctx->registry);
  app::UpdatePool pool(4, 10'000, [&](telegram::Update u) {
    const auto started = Clock::now();
    router.Handle(u);
    const auto done = Clock::now();
    std::lock_guard lock(mu);
    const Timing t = timing[u.update_id];
    total_ms.push_back(std::chrono::duration<double, std::milli>(done - t.received).count());
    wait_ms.push_back(std::chrono::duration<double, std::milli>(started - t.received).count());
    handle_ms.push_back(std::chrono::duration<double, std::milli>(done - started).count());
    last_done = done;
  });
  telegram::PollerOptions po;
  po.poll_timeout_sec = 1;
  telegram::Poller poller(
      *ctx->bot, telegram::BotApiOptions{fake.base_url(), fake.token()},
      [&](telegram::Update u) {
        {
          std::lock_guard lock(mu);
          timing[u.update_id].received = Clock::now();
        }
        pool.Post(std::move(u));
      },
      po);
  const auto start = Clock::now();
  if (Status st = poller.Start(); !st.ok()) {
    std::cerr << "poller: " << st.ToString() << "\n";
    return 1;
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    if (static_cast<int>(total_ms.size()) >= count) break;
    if (Clock::now() - start > std::chrono::minutes(5)) {
      std::cerr << "timed out\n";
      return 1;
    }
  }
  poller.Stop();
  pool.Stop();
  const double seconds = std::chrono::duration<double>(last_done - start).count();
  // Every /start left exactly one reply in the queue.
  int queued = 0;
  (void)ctx->store->Read([&](ports::StoreTx& tx) -> Status {
    auto stats = tx.housekeeping().Stats();
    if (!stats.ok()) return stats.status();
    for (const auto& [state, n] : stats->messages_by_state) queued += static_cast<int>(n);
    return Status::Ok();
  });
  std::printf("updates: %d /start from distinct people, 4 handler threads, SQLite file\n", count);
  std::printf("  handled in %.2f s = %.0f updates/s; replies queued: %d\n", seconds,
              count / seconds, queued);
  std::printf("  received -> reply queued: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              Percentile(total_ms, 0.5), Percentile(total_ms, 0.99), Percentile(total_ms, 1.0));
  std::printf("    of which waiting for a handler: p50 %.1f ms, p99 %.1f ms\n",
              Percentile(wait_ms, 0.5), Percentile(wait_ms, 0.99));
  std::printf("    of which handling: p50 %.2f ms, p99 %.2f ms\n", Percentile(handle_ms, 0.5),
              Percentile(handle_ms, 0.99));
  return queued == count ? 0 : 1;
}

int RunSend(int seconds) {
  servers::FakeTelegram fake(kToken);
  if (!fake.Start().ok()) return 1;
  fake.SetRateLimit(true);  // 30 per 1 s window in total, 1/s per chat; excess answers 429
  TempDb db;
  auto ctx = MakeBenchContext(fake, db, 30);
  const int messages = seconds * 30 + 300;  // more than can go: the sender never runs dry
  Status st = ctx->store->Write([&](ports::StoreTx& tx) -> Status {
    for (int i = 0; i < messages; ++i) {
      OutgoingMessage m;
      m.chat_id = 200'000 + i % 500;  // 500 chats: several messages each, paced per chat too
      m.kind = MessageKind::kText;
      m.priority = MessagePriority::kBulk;
      m.text = "notice " + std::to_string(i);
      m.created_at = m.next_attempt_at = ctx->clock.Now();
      auto id = tx.messages().EnqueueMessage(m);
      if (!id.ok()) return id.status();
    }
    return Status::Ok();
  });
  if (!st.ok()) return 1;
  bot::BotServiceKeyLookup lookup(*ctx->bot, *ctx->store);
  bot::KeyMessageRenderer renderer(lookup, ctx->backends, ctx->clock);
  telegram::SenderOptions so;
  so.rate_per_sec = 30;
  telegram::Sender sender(*ctx->store, *ctx->bot, renderer, ctx->clock,
                          telegram::BotApiOptions{fake.base_url(), fake.token()}, so,
                          &ctx->registry);
  const auto start = Clock::now();
  if (!sender.Start().ok()) return 1;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const auto stats = fake.Stats();
  sender.Stop();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::int64_t ok = stats.by_status.count(200) ? stats.by_status.at(200) : 0;
  std::printf("send: %d s against a fake enforcing 30/s total and 1/s per chat (500 chats)\n",
              seconds);
  std::printf("  accepted %lld messages in %.1f s = %.2f messages/s; 429s answered: %lld\n",
              static_cast<long long>(ok), elapsed, static_cast<double>(ok) / elapsed,
              static_cast<long long>(stats.rate_limited));
  return stats.rate_limited == 0 ? 0 : 1;
}

void Usage() {
  std::puts(
      "usage: vpnhub_bot_bench updates [--count N]   (default 10000)\n"
      "       vpnhub_bot_bench send [--seconds S]    (default 60)\n"
      "Bot figures against the in-process fake Bot API; see bench/bot.sh.");
}

}  // namespace

int main(int argc, char** argv) {
  vpnhub::telegram::CurlGlobal curl;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    Usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string mode = argv[1];
  int n = mode == "updates" ? 10'000 : 60;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--count" || flag == "--seconds") {
      n = std::atoi(argv[i + 1]);
    } else {
      Usage();
      return 2;
    }
  }
  if (n <= 0) {
    Usage();
    return 2;
  }
  if (mode == "updates") return RunUpdates(n);
  if (mode == "send") return RunSend(n);
  Usage();
  return 2;
}
