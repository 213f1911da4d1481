// Issue 11 item 9 figure: how long 50 ordinary people wait for a reply while one account floods
// the bot. Runs the bot role exactly as `vpnhub serve` wires it (app::BotRole: poller, update
// pool, router, sender) on a SQLite file against the in-process fake Bot API, which enforces
// Telegram's send limits (30/s in total, 1/s per chat after a burst of 3; excess answers 429).
//
//   vpnhub_bot_flood_bench [--seconds S] [--flood N] [--flood-per-sec R] [--people P]
//                          [--every-ms M] [--no-guard]
//
// At the start the flooder's N "/help" are queued at the fake (and, with --flood-per-sec, R more
// every second while the people write); each of the P people sends "/help" every M ms
// (staggered) for S seconds. The latency of one request is the time from the
// update being queued at the fake to the fake accepting the reply to that person (the k-th reply
// to a person answers their k-th request). Requests still unanswered 60 s after the last one
// count as unanswered (and are left out of the percentiles). --flood 0 is the baseline.
// --no-guard runs the same bot without the issue 11 item 9 limits (no per-person flood guard, no
// cap on a chat's pending replies): the "before" figure. serve has no such switch.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/bot_role.hpp"
#include "app/use_cases.hpp"
#include "bot_bench_support.hpp"
#include "servers/fake_telegram.hpp"
#include "telegram/bot_api.hpp"

namespace {

using namespace vpnhub;
using Clock = std::chrono::steady_clock;

constexpr TgId kFlooder = 900'001;
constexpr TgId kFirstPerson = 100'000;

struct Options {
  int seconds = 60;
  int flood = 5000;
  int flood_per_sec = 0;
  int people = 50;
  int every_ms = 2500;
  bool guard = true;  // false: no flood guard and no cap on a chat's pending replies
};

std::int64_t MsSince(Clock::time_point base) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - base).count();
}

// Accepted replies per chat, oldest first, as milliseconds since the fake was created.
std::map<TgId, std::vector<std::int64_t>> RepliesByChat(const servers::FakeTelegram& fake) {
  std::map<TgId, std::vector<std::int64_t>> out;
  for (const auto& c : fake.Calls("sendMessage")) {
    if (c.status == 200) out[c.chat_id].push_back(c.time_ms);
  }
  return out;
}

int Run(const Options& o) {
  // The fake's call times count from its construction: take the same origin, within a few µs.
  const Clock::time_point base = Clock::now();
  servers::FakeTelegram fake(bench::kToken);
  if (!fake.Start().ok()) return 1;
  fake.SetRateLimit(true);
  bench::TempDb db;
  auto ctx = bench::MakeBenchContext(fake, db, 30);
  app::BotRoleOptions role_options;
  if (!o.guard) {
    role_options.flood.per_sec = 0;  // no limit
    usecases::BotSettings settings = app::BotSettingsFrom(ctx->config);
    settings.pending_replies_per_chat = 0;  // no cap
    ctx->bot = std::make_unique<usecases::BotService>(*ctx->store, *ctx->keys, *ctx->alerts,
                                                      ctx->clock, settings);
  }
  app::BotRole role(*ctx, role_options);

  for (int i = 0; i < o.flood; ++i) fake.PushUpdate(servers::MessageUpdate(kFlooder, "/help"));
  if (Status st = role.Start(); !st.ok()) {
    std::fprintf(stderr, "bot role: %s\n", st.ToString().c_str());
    return 1;
  }

  // requests[person] = when each of their "/help" was queued (ms since base).
  std::map<TgId, std::vector<std::int64_t>> requests;
  const int rounds = o.seconds * 1000 / o.every_ms;
  const auto start = Clock::now();
  std::thread flooding;
  if (o.flood_per_sec > 0) {
    flooding = std::thread([&] {
      const int count = o.flood_per_sec * o.seconds;
      for (int i = 0; i < count; ++i) {
        std::this_thread::sleep_until(
            start + std::chrono::microseconds(std::int64_t{i} * 1'000'000 / o.flood_per_sec));
        fake.PushUpdate(servers::MessageUpdate(kFlooder, "/help"));
      }
    });
  }
  for (int round = 0; round < rounds; ++round) {
    for (int p = 0; p < o.people; ++p) {
      const auto due =
          start + std::chrono::milliseconds(round * o.every_ms + p * o.every_ms / o.people);
      std::this_thread::sleep_until(due);
      const TgId person = kFirstPerson + p;
      requests[person].push_back(MsSince(base));
      fake.PushUpdate(servers::MessageUpdate(person, "/help"));
    }
  }
  const int total = rounds * o.people;
  if (flooding.joinable()) flooding.join();

  // Wait for every request to be answered, at most 60 s after the last one.
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  std::map<TgId, std::vector<std::int64_t>> replies;
  for (;;) {
    replies = RepliesByChat(fake);
    int answered = 0;
    for (const auto& [person, asked] : requests) {
      answered += static_cast<int>(std::min(asked.size(), replies[person].size()));
    }
    if (answered == total || Clock::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const auto stats = fake.Stats();
  role.Stop();

  std::vector<double> latency_ms;
  int unanswered = 0;
  for (const auto& [person, asked] : requests) {
    const auto& got = replies[person];
    for (std::size_t k = 0; k < asked.size(); ++k) {
      if (k < got.size()) {
        latency_ms.push_back(static_cast<double>(got[k] - asked[k]));
      } else {
        ++unanswered;
      }
    }
  }
  std::int64_t pending = 0;
  (void)ctx->store->Read([&](ports::StoreTx& tx) -> Status {
    auto s = tx.housekeeping().Stats();
    if (!s.ok()) return s.status();
    auto it = s->messages_by_state.find(MessageState::kPending);
    pending = it == s->messages_by_state.end() ? 0 : it->second;
    return Status::Ok();
  });
  const std::size_t flooder_replies = replies[kFlooder].size();

  std::printf(
      "flood: %d \"/help\" from one account queued at the start, then %d/s; %d people each "
      "sending \"/help\" every %d ms for %d s (%d requests); fake Bot API enforcing 30/s and "
      "1/s per chat; flood guard and reply cap %s\n",
      o.flood, o.flood_per_sec, o.people, o.every_ms, o.seconds, total, o.guard ? "on" : "OFF");
  std::printf(
      "  the %d people: reply latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; "
      "unanswered after 60 s: %d\n",
      o.people, bench::Percentile(latency_ms, 0.5), bench::Percentile(latency_ms, 0.99),
      bench::Percentile(latency_ms, 1.0), unanswered);
  std::printf(
      "  the flooder: %zu replies sent; messages still pending in the queue: %lld; "
      "429s answered: %lld\n",
      flooder_replies, static_cast<long long>(pending), static_cast<long long>(stats.rate_limited));
  return 0;
}

void Usage() {
  std::puts(
      "usage: vpnhub_bot_flood_bench [--seconds S] [--flood N] [--flood-per-sec R] [--people P]\n"
      "                              [--every-ms M] [--no-guard]\n"
      "  defaults: 60 s, 5000 flood updates at the start and none later, 50 people, one request\n"
      "  each per 2500 ms; --no-guard: without the per-person flood guard and the cap on a\n"
      "  chat's pending replies (the figure before issue 11 item 9)");
}

}  // namespace

int main(int argc, char** argv) {
  vpnhub::telegram::CurlGlobal curl;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      Usage();
      return 0;
    }
    if (flag == "--no-guard") {
      o.guard = false;
      continue;
    }
    if (i + 1 >= argc) {
      Usage();
      return 2;
    }
    const int value = std::atoi(argv[++i]);
    if (flag == "--seconds" && value > 0) {
      o.seconds = value;
    } else if (flag == "--flood" && value >= 0) {
      o.flood = value;
    } else if (flag == "--flood-per-sec" && value >= 0) {
      o.flood_per_sec = value;
    } else if (flag == "--people" && value > 0) {
      o.people = value;
    } else if (flag == "--every-ms" && value > 0) {
      o.every_ms = value;
    } else {
      Usage();
      return 2;
    }
  }
  return Run(o);
}
