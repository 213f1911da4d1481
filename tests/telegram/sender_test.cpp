// The rate limiter (pure, time passed in) and the Sender against the in-process fake Bot API
// with a real in-memory SQLite store.
#include "telegram/sender.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "core/usecases/bot_service.hpp"
#include "core/usecases/key_service.hpp"
#include "core/usecases/notices.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_secrets.hpp"
#include "fakes/fault_store.hpp"
#include "metrics/registry.hpp"
#include "servers/fake_telegram.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/rate_limiter.hpp"
#include "telegram/test_support.hpp"

namespace vpnhub::telegram {
namespace {

using test::WaitFor;

using std::chrono::milliseconds;
using std::chrono::seconds;

const Time kT0 = FromUnixMs(1'700'000'000'000);

// ---------------------------------------------------------------- RateLimiter

TEST(RateLimiterTest, GlobalWindowAllowsTheBurstThenOneSlotPerLeavingSend) {
  RateLimiter limiter;  // 30 per 1 s + 25 ms
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(limiter.Acquire(1000 + i, kT0 + milliseconds(i)).send_now) << i;
  }
  EXPECT_EQ(limiter.Available(kT0 + milliseconds(30)), 0);
  const auto refused = limiter.Acquire(2000, kT0 + milliseconds(30));
  EXPECT_FALSE(refused.send_now);
  EXPECT_EQ(refused.reason, RateLimiter::Reason::kGlobal);
  EXPECT_EQ(refused.not_before, kT0 + milliseconds(1025));  // the first send leaves the window
  EXPECT_EQ(limiter.NextGlobalSlot(kT0 + milliseconds(30)), kT0 + milliseconds(1025));
  EXPECT_FALSE(limiter.Acquire(2000, kT0 + milliseconds(1024)).send_now);
  EXPECT_TRUE(limiter.Acquire(2000, kT0 + milliseconds(1025)).send_now);
  EXPECT_FALSE(limiter.Acquire(2001, kT0 + milliseconds(1025)).send_now);
  EXPECT_TRUE(limiter.Acquire(2001, kT0 + milliseconds(1026)).send_now);
}

TEST(RateLimiterTest, NeverMoreThanTheRateInAnyOneSecondWindow) {
  RateLimiter limiter;
  std::vector<Time> sent;
  // A greedy sender asking every 3 ms for 5 s, each time for a new chat.
  for (int ms = 0, chat = 1; ms < 5000; ms += 3) {
    const Time now = kT0 + milliseconds(ms);
    while (limiter.Acquire(chat, now).send_now) {
      sent.push_back(now);
      ++chat;
    }
  }
  for (std::size_t i = 30; i < sent.size(); ++i) {
    EXPECT_GE(sent[i] - sent[i - 30], milliseconds(1000)) << "send " << i;
  }
  // Still close to the full rate: 5 windows of 1.025 s, 30 each, plus the first burst.
  EXPECT_GE(sent.size(), 29u * 5);
}

TEST(RateLimiterTest, OneMessagePerChatPerInterval) {
  RateLimiter limiter;
  EXPECT_TRUE(limiter.Acquire(7, kT0).send_now);
  const auto second = limiter.Acquire(7, kT0 + milliseconds(100));
  EXPECT_FALSE(second.send_now);
  EXPECT_EQ(second.reason, RateLimiter::Reason::kChat);
  EXPECT_EQ(second.not_before, kT0 + seconds(1));
  EXPECT_EQ(limiter.Acquire(7, kT0 + milliseconds(200)).not_before, kT0 + seconds(1));
  // Other chats are not held up.
  EXPECT_TRUE(limiter.Acquire(8, kT0 + milliseconds(100)).send_now);
  // The one told to come back at +1 s may go then.
  EXPECT_TRUE(limiter.Acquire(7, kT0 + seconds(1)).send_now);
  EXPECT_FALSE(limiter.Acquire(7, kT0 + milliseconds(1999)).send_now);
}

TEST(RateLimiterTest, PauseAfter429HoldsEverythingUntilItEnds) {
  RateLimiter limiter;
  limiter.PauseUntil(kT0 + seconds(2));
  limiter.PauseUntil(kT0 + seconds(1));  // an earlier end does not shorten the pause
  const auto d = limiter.Acquire(1, kT0);
  EXPECT_FALSE(d.send_now);
  EXPECT_EQ(d.reason, RateLimiter::Reason::kPaused);
  EXPECT_EQ(d.not_before, kT0 + seconds(2));
  EXPECT_EQ(limiter.Available(kT0 + seconds(1)), 0);
  EXPECT_EQ(limiter.NextGlobalSlot(kT0), kT0 + seconds(2));
  EXPECT_EQ(limiter.PausedUntil(kT0), kT0 + seconds(2));
  EXPECT_FALSE(limiter.PausedUntil(kT0 + seconds(2)).has_value());
  EXPECT_TRUE(limiter.Acquire(1, kT0 + seconds(2)).send_now);
}

TEST(RateLimiterTest, ConcurrentCallersShareOneAllowance) {
  RateLimiter limiter;
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) granted += limiter.Acquire(t * 1000 + i, kT0).send_now;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 30);
}

TEST(RateLimiterTest, ForgetsIdleChats) {
  RateLimiterOptions options;
  options.global_per_sec = 1'000'000;
  RateLimiter limiter(options);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(limiter.Acquire(i, kT0).send_now);
  // Long after, every chat may send again at once (their state is gone or stale).
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(limiter.Acquire(i, kT0 + seconds(5)).send_now);
}

// ---------------------------------------------------------------- Sender

class RealClock : public ports::Clock {
 public:
  Time Now() const override {
    return std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
  }
};

// Renders stored text; key messages whose subject is 404 are "not found". A key-ready message
// with a photo asks for its file to follow (as the bot's renderer does for a key delivered as a
// configuration file); a key-config message is that file, "key-<subject>.conf".
class TestRenderer : public MessageRenderer {
 public:
  Result<Rendered> Render(const OutgoingMessage& m) override {
    ++renders;
    if (on_render) on_render();
    if (m.subject_id == 404) return NotFound("no such key");
    if (m.subject_id == 503) return Unavailable("database away");
    Rendered r;
    r.text = m.text;
    r.keyboard = m.keyboard;
    r.edit_message_id = m.edit_message_id;
    if (!m.photo_qr.empty()) r.png = std::string("\x89PNG\r\n\x1a\n", 8) + m.photo_qr;
    if (m.kind == MessageKind::kKeyReady && r.png.has_value()) {
      OutgoingMessage file;
      file.chat_id = m.chat_id;
      file.kind = MessageKind::kKeyConfig;
      file.priority = m.priority;
      file.subject_id = m.subject_id;
      r.follow_up = file;
    }
    if (m.kind == MessageKind::kKeyConfig) {
      r.text = "the file";
      r.document = Rendered::Document{"key-" + std::to_string(m.subject_id) + ".conf",
                                      "[Interface]\n# key " + std::to_string(m.subject_id) + "\n"};
    }
    return r;
  }
  std::atomic<int> renders{0};
  std::function<void()> on_render;  // set before the sender starts
};

class SenderTest : public test::FakeTelegramTest<RealClock> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FakeTelegramTest::SetUp());
    api.timeout = milliseconds(5000);
    options.idle_poll = milliseconds(50);
    options.backoff_base = milliseconds(50);
  }

  void TearDown() override {
    if (sender) sender->Stop();
    fake.Stop();
  }

  void StartSender() {
    sender = std::make_unique<Sender>(*store, *bot, renderer, clock, api, options, &registry, &log);
    ASSERT_TRUE(sender->Start().ok());
  }

  Id Enqueue(TgId chat, const std::string& text, MessagePriority priority = MessagePriority::kReply,
             Id subject = 0) {
    OutgoingMessage m;
    m.chat_id = chat;
    m.kind = MessageKind::kText;
    m.priority = priority;
    m.text = text;
    m.subject_id = subject;
    m.next_attempt_at = clock.Now();
    m.created_at = clock.Now();
    return Enqueue(m);
  }

  Id Enqueue(const OutgoingMessage& m) {
    Id id = 0;
    EXPECT_TRUE(store
                    ->Write([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().EnqueueMessage(m);
                      if (!r.ok()) return r.status();
                      id = *r;
                      return Status::Ok();
                    })
                    .ok());
    return id;
  }

  OutgoingMessage Get(Id id) {
    OutgoingMessage out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().GetMessage(id);
                      if (!r.ok()) return r.status();
                      out = *r;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  bool WaitForState(Id id, MessageState state, milliseconds timeout = milliseconds(5000)) {
    return WaitFor([&] { return Get(id).state == state; }, timeout);
  }

  std::vector<servers::RecordedCall> Sends(int status = 200) {
    std::vector<servers::RecordedCall> out;
    for (const auto& c : fake.Calls()) {
      if ((c.method == "sendMessage" || c.method == "sendPhoto" || c.method == "sendDocument" ||
           c.method == "editMessageText") &&
          c.status == status) {
        out.push_back(c);
      }
    }
    return out;
  }

  // The messages of one chat of `kind`, oldest first.
  std::vector<OutgoingMessage> MessagesOf(TgId chat, MessageKind kind) {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(auto all, tx.messages().ListMessages({}, 1000));
                      for (const auto& m : all) {
                        if (m.chat_id == chat && m.kind == kind) out.insert(out.begin(), m);
                      }
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  Id EnqueueKeyReady(TgId chat, Id key) {
    OutgoingMessage m;
    m.chat_id = chat;
    m.kind = MessageKind::kKeyReady;
    m.subject_id = key;
    m.text = "your key";
    m.photo_qr = "[Interface]";
    m.next_attempt_at = clock.Now();
    m.created_at = clock.Now();
    return Enqueue(m);
  }

  metrics::Registry registry;
  TestRenderer renderer;
  SenderOptions options;
  std::unique_ptr<Sender> sender;
};

TEST_F(SenderTest, DeliversAlertsBeforeRepliesBeforeBulk) {
  options.threads = 1;
  const Id bulk = Enqueue(101, "bulk", MessagePriority::kBulk);
  const Id reply = Enqueue(102, "reply", MessagePriority::kReply);
  const Id alert = Enqueue(103, "alert", MessagePriority::kAlert);
  StartSender();
  ASSERT_TRUE(WaitForState(bulk, MessageState::kSent));
  ASSERT_TRUE(WaitForState(reply, MessageState::kSent));
  ASSERT_TRUE(WaitForState(alert, MessageState::kSent));
  const auto sends = Sends();
  ASSERT_EQ(sends.size(), 3u);
  EXPECT_EQ(sends[0].text, "alert");
  EXPECT_EQ(sends[1].text, "reply");
  EXPECT_EQ(sends[2].text, "bulk");
  EXPECT_EQ(sender->stats().sent, 3);
}

TEST_F(SenderTest, PacesOneChatToOneMessagePerSecondAndDeliversAllInOrder) {
  std::vector<Id> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(Enqueue(200, "m" + std::to_string(i)));
  const Id other = Enqueue(201, "other");
  const auto start = std::chrono::steady_clock::now();
  StartSender();
  for (Id id : ids) ASSERT_TRUE(WaitForState(id, MessageState::kSent, milliseconds(8000)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(4000));

  std::vector<servers::RecordedCall> to_chat;
  for (const auto& c : Sends()) {
    if (c.chat_id == 200) to_chat.push_back(c);
  }
  ASSERT_EQ(to_chat.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(to_chat[i].text, "m" + std::to_string(i + 1));
  for (int i = 1; i < 5; ++i) {
    // 1 s apart as the limiter decided, give or take the jitter of the requests' arrival.
    EXPECT_GE(to_chat[i].time_ms - to_chat[i - 1].time_ms, 950) << "gap before m" << i + 1;
  }
  // Another chat is not held up behind the busy one.
  EXPECT_EQ(Get(other).state, MessageState::kSent);
  // Pacing is not a failed attempt.
  EXPECT_EQ(Get(ids[4]).attempts, 1);
  EXPECT_GE(sender->stats().paced, 4);
  EXPECT_EQ(sender->stats().retried, 0);
}

TEST_F(SenderTest, Honours429RetryAfterThenDelivers) {
  fake.FailNext("sendMessage", 1, 429, 1);
  const Id first = Enqueue(300, "first");
  StartSender();
  ASSERT_TRUE(WaitForState(first, MessageState::kSent));
  const auto refused = Sends(429);
  const auto sent = Sends(200);
  ASSERT_EQ(refused.size(), 1u);
  ASSERT_EQ(sent.size(), 1u);
  // Nothing went during the pause.
  EXPECT_GE(sent[0].time_ms - refused[0].time_ms, 990);
  EXPECT_EQ(sender->stats().rate_limited, 1);
  EXPECT_EQ(Get(first).attempts, 1);  // a 429 is not a failed attempt
  EXPECT_NE(registry.Render().find("vpnhub_telegram_429_total 1"), std::string::npos);
}

TEST_F(SenderTest, BlockedChatFailsTheMessageAndMarksThePerson) {
  auto touched = bot->Touch(400, "someone", "en", "");
  ASSERT_TRUE(touched.ok());
  fake.Block(400);
  const Id id = Enqueue(400, "hello");
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kFailed));
  EXPECT_TRUE(WaitFor(
      [&] {
        bool blocked = false;
        EXPECT_TRUE(store
                        ->Read([&](ports::StoreTx& tx) -> Status {
                          auto u = tx.users().FindUserByTgId(400);
                          if (!u.ok()) return u.status();
                          blocked = u->has_value() && (*u)->blocked_bot;
                          return Status::Ok();
                        })
                        .ok());
        return blocked;
      },
      milliseconds(2000)));
  EXPECT_EQ(Sends(403).size(), 1u);  // not retried
  EXPECT_EQ(sender->stats().failed, 1);
  EXPECT_EQ(log.Count("telegram.chat_blocked"), 1);
}

TEST_F(SenderTest, MessagesAlreadyClaimedForSomeoneWhoBlockedTheBotAreFailedWithoutACall) {
  // One thread, no per-chat pacing: the three messages to the person are claimed in one batch,
  // so the store cannot drop the last two when the first is refused; the sender must skip them.
  options.threads = 1;
  options.per_chat_interval = Duration::zero();
  ASSERT_TRUE(bot->Touch(401, "gone", "en", "").ok());
  fake.Block(401);
  const Id first = Enqueue(401, "menu");
  const Id other = Enqueue(402, "someone else");
  OutgoingMessage key_ready;
  key_ready.chat_id = 401;
  key_ready.kind = MessageKind::kKeyReady;
  key_ready.priority = MessagePriority::kReply;
  key_ready.subject_id = 7;
  key_ready.text = "your key: ss://secret";
  key_ready.next_attempt_at = key_ready.created_at = clock.Now();
  const Id key_message = Enqueue(key_ready);
  const Id last = Enqueue(401, "help");
  StartSender();
  for (Id id : {first, key_message, last}) {
    ASSERT_TRUE(WaitForState(id, MessageState::kFailed)) << id;
  }
  ASSERT_TRUE(WaitForState(other, MessageState::kSent));
  EXPECT_EQ(Sends(403).size(), 1u) << "Telegram was asked again after it said 'blocked'";
  for (const auto& c : fake.Calls()) {
    EXPECT_EQ(c.text.find("ss://secret"), std::string::npos) << "the key went to a blocked chat";
  }
  EXPECT_NE(Get(key_message).last_error.find("blocked"), std::string::npos)
      << Get(key_message).last_error;
}

TEST_F(SenderTest, StartsAgainAfterStop) {
  // The bot role stops its sender when another instance takes the lease, and starts it again
  // when the lease comes back.
  StartSender();
  const Id first = Enqueue(600, "one");
  ASSERT_TRUE(WaitForState(first, MessageState::kSent));
  sender->Stop();
  const Id second = Enqueue(601, "two");
  ASSERT_TRUE(sender->Start().ok());
  EXPECT_TRUE(WaitForState(second, MessageState::kSent));
}

TEST_F(SenderTest, ServerErrorsAreRetriedWithBackoffThenDelivered) {
  fake.FailNext("sendMessage", 2, 502);
  const Id id = Enqueue(500, "eventually");
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kSent));
  EXPECT_EQ(Sends(502).size(), 2u);
  EXPECT_EQ(Sends(200).size(), 1u);
  EXPECT_EQ(Get(id).attempts, 3);
  EXPECT_EQ(sender->stats().retried, 2);
}

TEST_F(SenderTest, GivesUpAfterMaxAttempts) {
  options.max_attempts = 3;
  fake.FailNext("sendMessage", 10, 500);
  const Id id = Enqueue(510, "never");
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kFailed));
  EXPECT_EQ(Sends(500).size(), 3u);
  EXPECT_EQ(Get(id).attempts, 3);
  EXPECT_NE(Get(id).last_error.find("gave up"), std::string::npos);
}

TEST_F(SenderTest, BadRequestFailsAtOnce) {
  fake.FailNext("sendMessage", 1, 400, 0, "Bad Request: can't parse entities");
  const Id id = Enqueue(520, "<b>broken");
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kFailed));
  EXPECT_EQ(Sends(400).size(), 1u);
  EXPECT_NE(Get(id).last_error.find("can't parse entities"), std::string::npos);
}

// Regression: a give-up whose FailMessage did not commit was logged and counted as failed,
// though the message stays claimed and is sent again once its lease runs out.
TEST_F(SenderTest, AFailureTheDatabaseDidNotTakeIsNeitherLoggedNorCounted) {
  options.threads = 1;  // no other claim between the render and the write that records the failure
  fakes::FaultStore failing(*store);
  fake.FailNext("sendMessage", 1, 400, 0, "Bad Request: can't parse entities");
  const Id id = Enqueue(521, "<b>broken");
  // The next write after rendering is the one that records the failure.
  renderer.on_render = [&] { failing.FailCommits(1); };
  sender = std::make_unique<Sender>(failing, *bot, renderer, clock, api, options, &registry, &log);
  ASSERT_TRUE(sender->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return failing.counts().failed_commits == 1; }, milliseconds(5000)));
  sender->Stop();
  EXPECT_EQ(Sends(400).size(), 1u);
  EXPECT_EQ(log.Count("telegram.message_failed"), 0);
  EXPECT_EQ(registry
                .GetCounter("vpnhub_telegram_messages_failed_total", "",
                            {{"kind", MessageKindName(MessageKind::kText)}})
                .Value(),
            0);
  EXPECT_NE(Get(id).state, MessageState::kFailed);
}

TEST_F(SenderTest, RenderNotFoundFailsWithoutCallingTelegramAndRetryableRenderRetries) {
  const Id gone = Enqueue(600, "x", MessagePriority::kReply, 404);
  options.max_attempts = 2;
  const Id flaky = Enqueue(601, "y", MessagePriority::kReply, 503);
  StartSender();
  ASSERT_TRUE(WaitForState(gone, MessageState::kFailed));
  ASSERT_TRUE(WaitForState(flaky, MessageState::kFailed));
  EXPECT_EQ(Get(flaky).attempts, 2);
  EXPECT_TRUE(Sends().empty());
}

// The scenario: 200 notifications to 200 chats plus 5 to one chat, against a fake that
// enforces Telegram's limits, with one 429 thrown in and one person who blocked the bot.
TEST_F(SenderTest, TwoHundredChatsPlusFiveToOneArePacedWithinLimitsAndNoneIsLost) {
  fake.SetRateLimit(true);  // 30 per 1 s window, 1/s per chat: any excess is a 429
  constexpr TgId kBlocked = 19'999;
  ASSERT_TRUE(bot->Touch(kBlocked, "gone", "en", "").ok());
  fake.Block(kBlocked);
  std::vector<Id> ids;
  for (int i = 0; i < 200; ++i) {
    ids.push_back(Enqueue(10'000 + i, "notice " + std::to_string(i), MessagePriority::kBulk));
  }
  for (int i = 0; i < 5; ++i) ids.push_back(Enqueue(20'000, "burst " + std::to_string(i)));
  const Id blocked_first = Enqueue(kBlocked, "one", MessagePriority::kAlert);
  const Id blocked_second = Enqueue(kBlocked, "two", MessagePriority::kBulk);
  fake.FailNext("sendMessage", 1, 429, 1);  // one 429 from Telegram itself, retry_after 1 s
  const auto start = std::chrono::steady_clock::now();
  StartSender();
  for (Id id : ids) ASSERT_TRUE(WaitForState(id, MessageState::kSent, milliseconds(20000)));
  const auto elapsed = std::chrono::steady_clock::now() - start;

  // None lost, none twice.
  const auto sends = Sends(200);
  ASSERT_EQ(sends.size(), 205u);
  std::map<std::string, int> seen;
  for (const auto& c : sends) ++seen[c.text];
  EXPECT_EQ(seen.size(), 205u);
  // 205 messages at 30/s take at least 6 s (plus the 1 s pause of the 429).
  EXPECT_GE(elapsed, milliseconds(6000));
  // Within limits: the fake saw no excess; no 1 s window holds more than 30 sends; the five to
  // one chat are a second apart and in order.
  EXPECT_EQ(fake.Stats().rate_limited, 0);  // its limiter refused nothing (the 429 was scripted)
  std::vector<std::int64_t> times;
  for (const auto& c : sends) times.push_back(c.time_ms);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 30; i < times.size(); ++i) EXPECT_GE(times[i] - times[i - 30], 1000) << i;
  std::vector<servers::RecordedCall> burst;
  for (const auto& c : sends) {
    if (c.chat_id == 20'000) burst.push_back(c);
  }
  ASSERT_EQ(burst.size(), 5u);
  // (In order when one thread sends, see PacesOneChatToOneMessagePerSecondAndDeliversAllInOrder;
  // two sender threads under load may swap neighbours.)
  for (int i = 1; i < 5; ++i) EXPECT_GE(burst[i].time_ms - burst[i - 1].time_ms, 990);
  // The 429 was honoured: nothing new went out during its retry_after (a send the other thread
  // already had in flight when the 429 arrived may land just after it).
  const auto refused = Sends(429);
  ASSERT_FALSE(refused.empty());
  for (const auto& c : sends) {
    EXPECT_FALSE(c.time_ms > refused[0].time_ms + 100 && c.time_ms < refused[0].time_ms + 990)
        << c.text << " went out during the pause";
  }
  EXPECT_EQ(sender->stats().rate_limited, 1);
  // The blocked person: refused once, marked, and the rest of their queue skipped.
  EXPECT_TRUE(WaitForState(blocked_first, MessageState::kFailed));
  EXPECT_TRUE(WaitForState(blocked_second, MessageState::kFailed));
  int refused_403 = 0;
  for (const auto& c : fake.Calls()) {
    if (c.chat_id != kBlocked) continue;
    refused_403 += c.status == 403 ? 1 : 0;
    EXPECT_NE(c.text, "two") << "a message queued for a person who blocked the bot was sent";
  }
  EXPECT_EQ(refused_403, 1);
}

TEST_F(SenderTest, WakeSendsAtOnceInsteadOfAtTheNextPoll) {
  options.idle_poll = milliseconds(10'000);
  StartSender();
  // Let both threads find the queue empty and go idle for their 10 s poll.
  std::this_thread::sleep_for(milliseconds(100));
  const Id id = Enqueue(700, "now");
  const auto start = std::chrono::steady_clock::now();
  sender->Wake();
  ASSERT_TRUE(WaitForState(id, MessageState::kSent, milliseconds(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

TEST_F(SenderTest, EditsAndFallsBackToANewMessageWhenTheEditIsRefused) {
  OutgoingMessage m;
  m.chat_id = 800;
  m.text = "edited";
  m.edit_message_id = 999;  // the fake has no such message: 400 "message to edit not found"
  m.keyboard = {{::vpnhub::InlineButton{"Back", "menu", ""}}};
  m.next_attempt_at = clock.Now();
  const Id id = Enqueue(m);
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kSent));
  const auto calls = fake.Calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "editMessageText");
  EXPECT_EQ(calls[0].status, 400);
  EXPECT_EQ(calls[1].method, "sendMessage");
  EXPECT_EQ(calls[1].text, "edited");
  EXPECT_EQ(calls[1].reply_markup["inline_keyboard"][0][0]["callback_data"], "menu");
}

TEST_F(SenderTest, SendsAPhotoWithTheTextAsCaption) {
  OutgoingMessage m;
  m.chat_id = 900;
  m.text = "scan me";
  m.photo_qr = "ss://example";
  m.next_attempt_at = clock.Now();
  const Id id = Enqueue(m);
  StartSender();
  ASSERT_TRUE(WaitForState(id, MessageState::kSent));
  const auto photos = fake.Calls("sendPhoto");
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_EQ(photos[0].text, "scan me");
  EXPECT_GT(photos[0].photo_size, 8u);
  EXPECT_TRUE(fake.Calls("sendMessage").empty());
}

TEST_F(SenderTest, AKeyDeliveredAsAFileSendsThePhotoThenTheDocumentOnce) {
  options.per_chat_interval = milliseconds(100);
  const Id ready = EnqueueKeyReady(1100, 7);
  StartSender();
  ASSERT_TRUE(WaitForState(ready, MessageState::kSent));
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto files = MessagesOf(1100, MessageKind::kKeyConfig);
        return files.size() == 1 && files[0].state == MessageState::kSent;
      },
      milliseconds(5000)));
  const auto sends = Sends();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].method, "sendPhoto");
  EXPECT_EQ(sends[0].text, "your key");
  EXPECT_EQ(sends[1].method, "sendDocument");
  EXPECT_EQ(sends[1].chat_id, 1100);
  EXPECT_EQ(sends[1].document_name, "key-7.conf");
  EXPECT_EQ(sends[1].document, "[Interface]\n# key 7\n");
  EXPECT_EQ(sends[1].text, "the file");
  EXPECT_GE(sends[1].time_ms, sends[0].time_ms);
  // The follow-up row carries the key and the priority of the message it follows.
  const auto file = MessagesOf(1100, MessageKind::kKeyConfig)[0];
  EXPECT_EQ(file.subject_id, 7);
  EXPECT_EQ(file.priority, MessagePriority::kReply);
  EXPECT_EQ(sender->stats().sent, 2);
}

TEST_F(SenderTest, ARestartBetweenThePhotoAndTheDocumentSendsEachOnce) {
  options.threads = 1;
  // The document is paced a while behind the photo: the sender stops in between.
  options.per_chat_interval = milliseconds(1500);
  const Id ready = EnqueueKeyReady(1200, 8);
  StartSender();
  ASSERT_TRUE(WaitForState(ready, MessageState::kSent));
  ASSERT_TRUE(WaitFor([&] { return MessagesOf(1200, MessageKind::kKeyConfig).size() == 1; },
                      milliseconds(2000)));
  sender->Stop();
  ASSERT_TRUE(fake.Calls("sendDocument").empty()) << "the photo and the document were not apart";
  EXPECT_EQ(MessagesOf(1200, MessageKind::kKeyConfig)[0].state, MessageState::kPending);
  sender.reset();
  StartSender();
  const Id file = MessagesOf(1200, MessageKind::kKeyConfig)[0].id;
  ASSERT_TRUE(WaitForState(file, MessageState::kSent, milliseconds(5000)));
  // Nothing more is due: every row of the chat is sent, so no later send can follow.
  EXPECT_EQ(MessagesOf(1200, MessageKind::kKeyConfig).size(), 1u);
  EXPECT_EQ(fake.Calls("sendPhoto").size(), 1u);
  const auto docs = fake.Calls("sendDocument");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].document_name, "key-8.conf");
}

TEST_F(SenderTest, AFailedDocumentIsRetriedWithoutSendingThePhotoAgain) {
  options.per_chat_interval = milliseconds(50);
  fake.FailNext("sendDocument", 1, 500);
  const Id ready = EnqueueKeyReady(1300, 9);
  StartSender();
  ASSERT_TRUE(WaitForState(ready, MessageState::kSent));
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto files = MessagesOf(1300, MessageKind::kKeyConfig);
        return files.size() == 1 && files[0].state == MessageState::kSent;
      },
      milliseconds(5000)));
  EXPECT_EQ(fake.Calls("sendPhoto").size(), 1u);
  const auto docs = fake.Calls("sendDocument");
  ASSERT_EQ(docs.size(), 2u);  // the 500, then the one that went
  EXPECT_EQ(docs[0].status, 500);
  EXPECT_EQ(docs[1].status, 200);
  EXPECT_EQ(MessagesOf(1300, MessageKind::kKeyConfig)[0].attempts, 2);
}

TEST_F(SenderTest, NoFileIsQueuedWhenThePhotoIsRefused) {
  fake.FailNext("sendPhoto", 1, 400, 0, "Bad Request: chat not found");
  const Id ready = EnqueueKeyReady(1400, 10);
  StartSender();
  ASSERT_TRUE(WaitForState(ready, MessageState::kFailed));
  EXPECT_TRUE(MessagesOf(1400, MessageKind::kKeyConfig).empty());
  EXPECT_TRUE(fake.Calls("sendDocument").empty());
}

TEST_F(SenderTest, StopGivesClaimedMessagesBackAndARestartDeliversThem) {
  options.threads = 1;
  std::vector<Id> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Enqueue(1000, "same chat " + std::to_string(i)));
  StartSender();
  ASSERT_TRUE(WaitForState(ids[0], MessageState::kSent));
  sender->Stop();
  for (Id id : ids) EXPECT_NE(Get(id).state, MessageState::kSending) << id;
  sender.reset();
  StartSender();
  for (Id id : ids) ASSERT_TRUE(WaitForState(id, MessageState::kSent, milliseconds(5000)));
  EXPECT_EQ(Sends(200).size(), 3u);  // each exactly once
}

TEST_F(SenderTest, AClaimWhoseLeaseIsNearlyOverIsGivenBackRatherThanSent) {
  // Rendering the first time takes (on this clock) most of the 30 s lease: sending then could
  // overlap another sender's claim of the same message, so it goes back to the queue instead.
  fakes::FakeClock fake_clock(clock.Now());
  std::atomic<bool> slow_once{true};
  renderer.on_render = [&] {
    if (slow_once.exchange(false)) fake_clock.Advance(seconds(20));
  };
  const Id id = Enqueue(1100, "once");
  sender =
      std::make_unique<Sender>(*store, *bot, renderer, fake_clock, api, options, &registry, &log);
  ASSERT_TRUE(sender->Start().ok());
  ASSERT_TRUE(WaitForState(id, MessageState::kSent))
      << MessageStateName(Get(id).state) << " " << Get(id).last_error << " renders "
      << renderer.renders.load();
  EXPECT_EQ(Sends(200).size(), 1u);
  EXPECT_EQ(renderer.renders.load(), 2);
  EXPECT_EQ(Get(id).attempts, 1);  // the given-back claim did not count
}

TEST_F(SenderTest, RefusesALeaseShorterThanOneRequest) {
  options.lease = milliseconds(5000);  // api.timeout is 5 s
  sender = std::make_unique<Sender>(*store, *bot, renderer, clock, api, options);
  EXPECT_EQ(sender->Start().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::telegram

namespace vpnhub::telegram {
namespace {

// The queue-depth gauge counts the pending messages (from the state index, not Stats()) and
// follows the queue as it drains.
TEST_F(SenderTest, QueueDepthGaugeCountsThePendingMessages) {
  options.queue_depth_refresh = milliseconds(20);
  OutgoingMessage later;
  later.chat_id = 900;
  later.kind = MessageKind::kText;
  later.text = "later";
  later.next_attempt_at = clock.Now() + std::chrono::hours(1);  // pending, not due
  for (int i = 0; i < 3; ++i) Enqueue(later);
  const Id now = Enqueue(901, "now");
  auto depth = [&] { return registry.GetGauge("vpnhub_telegram_queue_depth", "").Value(); };
  StartSender();
  ASSERT_TRUE(WaitForState(now, MessageState::kSent));
  EXPECT_TRUE(WaitFor([&] { return depth() == 3.0; }, milliseconds(5000))) << depth();
}

}  // namespace
}  // namespace vpnhub::telegram
