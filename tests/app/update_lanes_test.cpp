// The bot's handler lanes: a pre_checkout_query never waits behind messages. The second test
// measures the path a Stars pre-checkout takes in polling mode (fake Bot API -> Poller ->
// UpdateLanes -> answerPreCheckoutQuery) with a backlog of slow message handling.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "app/bot_role.hpp"
#include "fakes/fake_clock.hpp"
#include "telegram/test_support.hpp"

namespace vpnhub::app {
namespace {

using std::chrono::milliseconds;

telegram::Update Message(std::int64_t id) {
  telegram::Update u;
  u.update_id = id;
  u.message = telegram::Message{};
  return u;
}

telegram::Update PreCheckout(std::int64_t id) {
  telegram::Update u;
  u.update_id = id;
  u.pre_checkout_query = telegram::PreCheckoutQuery{};
  return u;
}

TEST(UpdateLanesTest, APreCheckoutRunsWhileEveryMessageThreadIsBusy) {
  std::mutex mu;
  std::condition_variable cv;
  bool gate_open = false;
  int messages_done = 0;
  bool pre_checkout_done = false;
  UpdateLanes lanes(2, 100, 1, 10, [&](telegram::Update u) {
    std::unique_lock lock(mu);
    if (u.pre_checkout_query) {
      pre_checkout_done = true;
    } else {
      cv.wait(lock, [&] { return gate_open; });  // every message thread stuck
      ++messages_done;
    }
    cv.notify_all();
  });
  for (int i = 1; i <= 50; ++i) lanes.Post(Message(i));
  lanes.Post(PreCheckout(51));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return pre_checkout_done; }));
    EXPECT_EQ(messages_done, 0);
    gate_open = true;
  }
  cv.notify_all();
  lanes.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(messages_done, 50);  // Stop finished what both lanes held
}

TEST(UpdateLanesTest, TryPostRefusesOnlyTheFullLane) {
  std::mutex mu;
  std::condition_variable cv;
  bool gate_open = false;
  UpdateLanes lanes(1, 1, 1, 1, [&](telegram::Update) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return gate_open; });
  });
  // One update runs (blocked) and one waits on each lane; the third is refused.
  int refused_messages = 0;
  for (int i = 0; i < 3; ++i) refused_messages += lanes.TryPost(Message(i + 1)) ? 0 : 1;
  EXPECT_GE(refused_messages, 1);
  EXPECT_TRUE(lanes.TryPost(PreCheckout(10)));  // the urgent lane still takes one
  {
    std::lock_guard lock(mu);
    gate_open = true;
  }
  cv.notify_all();
  lanes.Stop();
}

class PreCheckoutPathTest : public telegram::test::FakeTelegramTest<fakes::FakeClock> {};

// Polling mode under load: 2,000 messages queued ahead of it, each taking 5 ms on the four message
// threads (2.5 s of backlog), and the pre-checkout is still answered at once.
TEST_F(PreCheckoutPathTest, AnsweredWithinTelegramsTenSecondsBehindABacklog) {
  constexpr int kMessages = 2000;
  telegram::BotApiPool api_pool(api);
  std::atomic<int> messages_done{0};
  std::atomic<int> done_when_answered{-1};
  auto lanes = std::make_shared<UpdateLanes>(4, 10000, 2, 1000, [&](telegram::Update u) {
    if (!u.pre_checkout_query) {
      std::this_thread::sleep_for(milliseconds(5));  // a slow handler: the load itself
      ++messages_done;
      return;
    }
    const Status st = api_pool.With([&](telegram::BotApi& bot_api) {
      return bot_api.AnswerPreCheckoutQuery(u.pre_checkout_query->id, true);
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    done_when_answered = messages_done.load();
  });
  for (int i = 0; i < kMessages; ++i) fake.PushUpdate(servers::MessageUpdate(100 + i % 50, "hi"));
  const std::string query_id = fake.InjectPreCheckout(7, "42", 150)["pre_checkout_query"]["id"];

  telegram::PollerOptions options;
  options.poll_timeout_sec = 1;
  telegram::Poller poller(
      *bot, api, [lanes](telegram::Update u) { lanes->Post(std::move(u)); }, options);
  ASSERT_TRUE(poller.Start().ok());
  ASSERT_TRUE(fake.WaitForPreCheckoutAnswers(1, std::chrono::seconds(15)));
  fake.Stop();
  poller.Stop();
  lanes->Stop();

  const auto answers = fake.PreCheckoutAnswers();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].query_id, query_id);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_TRUE(answers[0].in_time) << answers[0].latency_ms << " ms";
  EXPECT_LT(done_when_answered.load(), kMessages) << "the answer waited for the whole backlog";
  EXPECT_EQ(messages_done.load(), kMessages);
  std::printf("pre_checkout_query injected -> answered: %lld ms, with %d of %d messages handled\n",
              static_cast<long long>(answers[0].latency_ms), done_when_answered.load(), kMessages);
  RecordProperty("pre_checkout_latency_ms", static_cast<int>(answers[0].latency_ms));
}

}  // namespace
}  // namespace vpnhub::app
