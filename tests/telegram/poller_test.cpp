// The long poller against the in-process fake Bot API.
#include "telegram/poller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/usecases/bot_service.hpp"
#include "core/usecases/key_service.hpp"
#include "core/usecases/notices.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_secrets.hpp"
#include "servers/fake_telegram.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/test_support.hpp"

namespace vpnhub::telegram {
namespace {

using test::WaitFor;

using std::chrono::milliseconds;

// Collects dispatched updates.
class Inbox {
 public:
  void Put(Update u) {
    std::lock_guard lock(mu_);
    updates_.push_back(std::move(u));
    cv_.notify_all();
  }
  bool WaitForCount(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return updates_.size() >= n; });
  }
  std::vector<Update> updates() const {
    std::lock_guard lock(mu_);
    return updates_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Update> updates_;
};

class PollerTest : public test::FakeTelegramTest<fakes::FakeClock> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FakeTelegramTest::SetUp());
    options.poll_timeout_sec = 1;
    options.backoff_base = milliseconds(50);
  }

  void TearDown() override {
    // The fake first: it answers the poll in flight, so the poller stops at once.
    fake.Stop();
    if (poller) poller->Stop();
  }

  std::unique_ptr<Poller> MakePoller() {
    return std::make_unique<Poller>(
        *bot, api, [this](Update u) { inbox.Put(std::move(u)); }, options, nullptr, &log);
  }

  std::int64_t StoredOffset() {
    auto r = bot->LoadUpdateOffset();
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1;
  }

  PollerOptions options;
  Inbox inbox;
  std::unique_ptr<Poller> poller;
};

TEST_F(PollerTest, HandsUpdatesOverInOrderAndPersistsTheOffset) {
  fake.PushUpdate(servers::MessageUpdate(11, "/start"));
  fake.PushUpdate(servers::CallbackUpdate(12, "keys", 5));
  const std::int64_t last = fake.PushUpdate(servers::MessageUpdate(13, "/help"));
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  EXPECT_TRUE(poller->me().is_bot);
  ASSERT_TRUE(inbox.WaitForCount(3, milliseconds(5000)));
  const auto got = inbox.updates();
  ASSERT_EQ(got.size(), 3u);
  ASSERT_TRUE(got[0].message.has_value());
  EXPECT_EQ(got[0].message->text, "/start");
  ASSERT_TRUE(got[1].callback_query.has_value());
  EXPECT_EQ(got[1].callback_query->data, "keys");
  EXPECT_EQ(got[2].update_id, last);
  EXPECT_TRUE(WaitFor([&] { return StoredOffset() == last + 1; }, milliseconds(3000)));
  EXPECT_EQ(poller->offset(), last + 1);

  // It asked only for the update kinds the bot handles, and long-polled.
  const auto polls = fake.Calls("getUpdates");
  ASSERT_FALSE(polls.empty());
  EXPECT_EQ(polls[0].params["allowed_updates"],
            nlohmann::json::array({"message", "callback_query", "pre_checkout_query"}));
}

TEST_F(PollerTest, ARestartResumesAfterTheLastHandledUpdate) {
  fake.PushUpdate(servers::MessageUpdate(21, "/start"));
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(1, milliseconds(5000)));
  poller->Stop();
  poller.reset();

  const std::int64_t next = fake.PushUpdate(servers::MessageUpdate(22, "/keys"));
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(2, milliseconds(5000)));
  const auto got = inbox.updates();
  ASSERT_EQ(got.size(), 2u);  // the first update was not handed over again
  EXPECT_EQ(got[1].update_id, next);
  EXPECT_TRUE(WaitFor([&] { return StoredOffset() == next + 1; }, milliseconds(3000)));
}

TEST_F(PollerTest, ARejectedTokenIsAFatalErrorNamingTgToken) {
  api.token = "123:wrong";
  poller = MakePoller();
  const Status st = poller->Start();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("TG_TOKEN"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("wrong"), std::string::npos) << "token leaked: " << st.message();
}

TEST_F(PollerTest, BacksOffOnErrorsLogsOncePerStreakAndRecovers) {
  fake.FailNext("getUpdates", 3, 502);
  fake.PushUpdate(servers::MessageUpdate(31, "/start"));
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(1, milliseconds(5000)));
  EXPECT_EQ(log.Count("telegram.poll_failed"), 1);
  EXPECT_EQ(log.Count("telegram.poll_recovered"), 1);
  // 50 + 100 + 200 ms of backoff between the four polls.
  const auto polls = fake.Calls("getUpdates");
  ASSERT_GE(polls.size(), 4u);
  EXPECT_GE(polls[3].time_ms - polls[0].time_ms, 340);
}

TEST_F(PollerTest, ConflictWithAnotherPollerIsRetried) {
  fake.FailNext("getUpdates", 1, 409, 0, "Conflict: terminated by other getUpdates request");
  fake.PushUpdate(servers::MessageUpdate(41, "/start"));
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(1, milliseconds(5000)));
  EXPECT_EQ(log.Count("telegram.poll_failed"), 1);
}

TEST_F(PollerTest, StopReturnsWithinASecondDuringALongPoll) {
  options.poll_timeout_sec = 25;
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(fake.WaitForPoller(milliseconds(3000)));  // a 25 s long poll is in flight
  const auto start = std::chrono::steady_clock::now();
  poller->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
  // An update arriving after Stop answers the poll left in flight, and is not handed over.
  fake.PushUpdate(servers::MessageUpdate(51, "/late"));
  ASSERT_TRUE(fake.WaitForCalls("getUpdates", 1, milliseconds(3000)));
  EXPECT_FALSE(inbox.WaitForCount(1, milliseconds(300)));
  EXPECT_EQ(poller->offset(), StoredOffset());  // nor was the offset moved past it
}

TEST_F(PollerTest, ADispatcherThatThrowsDoesNotStopTheLoop) {
  int calls = 0;
  poller = std::make_unique<Poller>(
      *bot, api,
      [&](Update u) {
        if (++calls == 1) throw std::runtime_error("handler bug");
        inbox.Put(std::move(u));
      },
      options, nullptr, &log);
  fake.PushUpdate(servers::MessageUpdate(61, "/boom"));
  fake.PushUpdate(servers::MessageUpdate(62, "/fine"));
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(1, milliseconds(5000)));
  EXPECT_EQ(inbox.updates()[0].message->text, "/fine");
  EXPECT_EQ(log.Count("telegram.dispatch_failed"), 1);
}

TEST_F(PollerTest, StopReturnsPromptlyWhileADispatchIsBlockedAndDispatchesNothingAfter) {
  // A dispatcher that blocks until released, as posting to a full handler pool does.
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, released = false, returned = false;
  int dispatched = 0;
  poller = std::make_unique<Poller>(
      *bot, api,
      [&](Update) {
        std::unique_lock lock(mu);
        ++dispatched;
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
        returned = true;
        cv.notify_all();
      },
      options, nullptr, &log);
  fake.PushUpdate(servers::MessageUpdate(81, "/one"));
  fake.PushUpdate(servers::MessageUpdate(82, "/two"));
  fake.PushUpdate(servers::MessageUpdate(83, "/three"));
  ASSERT_TRUE(poller->Start().ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, milliseconds(5000), [&] { return entered; }));
  }

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    poller->Stop();
    stopped = true;
  });
  const bool prompt = WaitFor([&] { return stopped.load(); }, milliseconds(3000));
  {
    std::lock_guard lock(mu);
    released = true;  // whatever happened: let the poller's thread go
    cv.notify_all();
  }
  stopper.join();
  EXPECT_TRUE(prompt) << "Stop() waited for a blocked dispatch";

  // The blocked dispatch finishes; nothing more is handed over, nor the offset confirmed.
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, milliseconds(3000), [&] { return returned; }));
  EXPECT_EQ(dispatched, 1);
  lock.unlock();
  EXPECT_EQ(StoredOffset(), 0);  // Stop gave up waiting: it confirmed nothing

  // The next start is handed the whole batch again (the router drops what was handled).
  poller.reset();
  poller = MakePoller();
  ASSERT_TRUE(poller->Start().ok());
  ASSERT_TRUE(inbox.WaitForCount(3, milliseconds(5000)));
  EXPECT_EQ(inbox.updates()[0].message->text, "/one");
}

}  // namespace
}  // namespace vpnhub::telegram
