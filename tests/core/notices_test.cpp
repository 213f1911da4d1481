#include "core/rules.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TEST(PlanNotices, SkipsWarningsWhoseMomentHasPassed) {
  Time now = FromUnixMs(1'000'000'000);
  // A 30-day key: 3-day warning first.
  auto p = PlanNotices(now + hours(24 * 30), 0, now);
  EXPECT_EQ(p.flags, 0);
  EXPECT_EQ(p.next_notice_at, now + hours(24 * 27));
  // A 3-day trial: no "3 days left" at its start; the 1-day warning comes first.
  p = PlanNotices(now + hours(72), 0, now);
  EXPECT_EQ(p.flags, kNotice3Days);
  EXPECT_EQ(p.next_notice_at, now + hours(48));
  // A 6-second key: only the expiry notice.
  p = PlanNotices(now + seconds(6), 0, now);
  EXPECT_EQ(p.flags, kNotice3Days | kNotice1Day);
  EXPECT_EQ(p.next_notice_at, now + seconds(6));
  // Everything sent: nothing left.
  EXPECT_FALSE(PlanNotices(now, kNotice3Days | kNotice1Day | kNoticeExpired, now).next_notice_at);
}

TEST(NoticeDue, PicksTheMostUrgentUnsentNotice) {
  Time exp = FromUnixMs(10'000'000'000);
  EXPECT_EQ(NoticeDue(exp, 0, exp - hours(100)), 0);
  EXPECT_EQ(NoticeDue(exp, 0, exp - hours(71)), kNotice3Days);
  EXPECT_EQ(NoticeDue(exp, 0, exp - hours(23)), kNotice1Day);
  EXPECT_EQ(NoticeDue(exp, kNotice3Days | kNotice1Day, exp - hours(1)), 0);
  EXPECT_EQ(NoticeDue(exp, 0, exp), kNoticeExpired);
}

class NoticesTest : public UseCaseTest {
 protected:
  std::vector<OutgoingMessage> Messages() {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 1000);
                      if (!r.ok()) return r.status();
                      out = *r;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }
  Key Activate(TgId tg, Duration life) {
    auto k = keys->Issue(Request(tg, life));
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    EXPECT_EQ(executor->RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kDone);
    return GetKey(k->key.id);
  }
};

TEST_F(NoticesTest, EachNoticeGoesOutOnceAtItsTime) {
  AddServer(10);
  Key key = Activate(42, hours(24 * 10));
  usecases::ExpiryNotices notices(*store, clock, /*notify=*/true);
  usecases::ExpirySweep sweep(*store, clock, 500, /*notify=*/true);
  ASSERT_TRUE(notices.Run().ok());
  EXPECT_TRUE(Messages().empty());

  clock.Advance(hours(24 * 7) + seconds(1));  // 3 days left
  ASSERT_TRUE(notices.Run().ok());
  ASSERT_TRUE(notices.Run().ok());
  auto m = Messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, MessageKind::kExpiryNotice);
  EXPECT_EQ(m[0].chat_id, 42);
  EXPECT_EQ(m[0].subject_id, key.id);
  EXPECT_EQ(m[0].priority, MessagePriority::kBulk);

  clock.Advance(hours(48));  // 1 day left
  ASSERT_TRUE(notices.Run().ok());
  EXPECT_EQ(Messages().size(), 2u);

  clock.Advance(hours(24));  // expired: the sweep tells the person, once
  ASSERT_TRUE(sweep.Run().ok());
  ASSERT_TRUE(notices.Run().ok());
  ASSERT_TRUE(sweep.Run().ok());
  m = Messages();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].kind, MessageKind::kKeyExpired);  // newest first
  EXPECT_FALSE(GetKey(key.id).next_notice_at.has_value());
}

TEST_F(NoticesTest, BlockedPeopleAndDisabledBotGetNothingButFlagsMove) {
  AddServer(10);
  Key key = Activate(43, seconds(5));
  clock.Advance(seconds(6));
  usecases::ExpirySweep quiet(*store, clock, 500, /*notify=*/false);
  ASSERT_TRUE(quiet.Run().ok());
  EXPECT_TRUE(Messages().empty());
  EXPECT_TRUE(GetKey(key.id).notified_flags & kNoticeExpired);
}

TEST_F(NoticesTest, AlertsAreThrottledWithACountOfSuppressedRepeats) {
  usecases::AlertPolicy policy{{7, 8}, std::chrono::minutes(60)};
  usecases::AdminAlerts alerts(*store, clock, policy);
  auto first = alerts.Raise("no_capacity:1", "no capacity in nl");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_EQ(Messages().size(), 2u);  // one per admin
  for (int i = 0; i < 3; ++i) {
    clock.Advance(std::chrono::minutes(5));
    auto again = alerts.Raise("no_capacity:1", "no capacity in nl");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
  }
  EXPECT_EQ(Messages().size(), 2u);
  EXPECT_TRUE(*alerts.Raise("no_capacity:2", "another subject"));
  clock.Advance(std::chrono::minutes(50));
  EXPECT_TRUE(*alerts.Raise("no_capacity:1", "no capacity in nl"));
  auto m = Messages();
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0].kind, MessageKind::kAdminAlert);
  EXPECT_EQ(m[0].priority, MessagePriority::kAlert);
  EXPECT_EQ(m[0].subject_id, 3);  // three repeats were swallowed
}

TEST_F(NoticesTest, TaskFailedForGoodRaisesAnAlert) {
  AddServer(5);
  usecases::AlertPolicy policy{{7}, std::chrono::hours(1)};
  RetryPolicy retry;
  retry.max_attempts = 1;
  usecases::TaskExecutor alerting(*store, backends, clock, log, retry, &policy);
  auto k = keys->Issue(Request(1));
  ASSERT_TRUE(k.ok());
  backend.FailWith(Unavailable("down"));
  EXPECT_EQ(alerting.RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kFailed);
  auto m = Messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].chat_id, 7);
  EXPECT_NE(m[0].text.find("task retry"), std::string::npos);
}

TEST_F(NoticesTest, ActivationAnnouncesTheKeyInTheSameCommit) {
  AddServer(5);
  auto req = Request(77);
  req.announce_when_ready = true;
  auto k = keys->Issue(req);
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(executor->RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kDone);
  auto m = Messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, MessageKind::kKeyReady);
  EXPECT_EQ(m[0].chat_id, 77);
  EXPECT_EQ(m[0].subject_id, k->key.id);
}

}  // namespace
}  // namespace vpnhub
