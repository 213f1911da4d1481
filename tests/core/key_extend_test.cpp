// KeyService::Extend: more days for a key that runs, notices planned for the new date, and a
// clear refusal for a key that no longer runs.
#include <gmock/gmock.h>

#include "core/usecases/notices.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using std::chrono::hours;
using ::testing::HasSubstr;

constexpr Duration kDay = hours(24);

class KeyExtendTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    AddServer(10);
  }
  usecases::IssuedKey Issue(Duration life) {
    auto k = keys->Issue(Request(42, life));
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? *k : usecases::IssuedKey{};
  }
  Key Activate(Duration life) {
    usecases::IssuedKey k = Issue(life);
    EXPECT_EQ(executor->RunClaimed(Claim(k.task_id)), usecases::TaskOutcome::kDone);
    return GetKey(k.key.id);
  }
  int NoticeMessages() {
    int n = 0;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 1000);
                      if (!r.ok()) return r.status();
                      for (const auto& m : *r) n += m.kind == MessageKind::kExpiryNotice;
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }
};

TEST_F(KeyExtendTest, AddsDaysToTheExpiryOfARunningKey) {
  Key key = Activate(10 * kDay);
  const Time old_expiry = key.expires_at;
  clock.Advance(kDay);
  auto extended = keys->Extend(key.id, 30);
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(extended->expires_at, old_expiry + 30 * kDay);
  Key stored = GetKey(key.id);
  EXPECT_EQ(stored.expires_at, old_expiry + 30 * kDay);
  EXPECT_EQ(stored.state, KeyState::kActive);
  EXPECT_EQ(stored.updated_at, clock.Now());
  EXPECT_EQ(stored.next_notice_at, stored.expires_at - 3 * kDay);
}

TEST_F(KeyExtendTest, AKeyPastItsExpiryIsExtendedFromNow) {
  Key key = Activate(kDay);
  clock.Advance(5 * kDay);  // expired, the sweep has not run yet
  auto extended = keys->Extend(key.id, 7);
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(GetKey(key.id).expires_at, clock.Now() + 7 * kDay);
}

TEST_F(KeyExtendTest, APendingKeyCanBeExtended) {
  usecases::IssuedKey k = Issue(kDay);
  ASSERT_TRUE(keys->Extend(k.key.id, 1).ok());
  EXPECT_EQ(GetKey(k.key.id).expires_at, k.key.expires_at + kDay);
  EXPECT_EQ(GetKey(k.key.id).state, KeyState::kPending);
}

TEST_F(KeyExtendTest, NoticesStartAfreshForTheNewDate) {
  Key key = Activate(10 * kDay);
  usecases::ExpiryNotices notices(*store, clock, /*notify=*/true);
  clock.Advance(9 * kDay + hours(1));  // 23 h left: the 1-day notice (3-day one superseded)
  ASSERT_TRUE(notices.Run().ok());
  EXPECT_EQ(NoticeMessages(), 1);
  EXPECT_EQ(GetKey(key.id).notified_flags, kNotice3Days | kNotice1Day);

  ASSERT_TRUE(keys->Extend(key.id, 30).ok());
  Key stored = GetKey(key.id);
  EXPECT_EQ(stored.notified_flags, 0);  // the old date's notices do not count
  ASSERT_TRUE(stored.next_notice_at.has_value());
  EXPECT_EQ(*stored.next_notice_at, stored.expires_at - 3 * kDay);
  ASSERT_TRUE(notices.Run().ok());
  EXPECT_EQ(NoticeMessages(), 1);  // nothing new is due now

  clock.Advance(28 * kDay);  // 3 days before the new expiry, and 1 h more
  ASSERT_TRUE(notices.Run().ok());
  EXPECT_EQ(NoticeMessages(), 2);
}

TEST_F(KeyExtendTest, AShortExtensionSkipsTheWarningsWhoseMomentHasPassed) {
  Key key = Activate(hours(12));
  ASSERT_TRUE(keys->Extend(key.id, 1).ok());  // 36 h left: no "3 days left" notice
  Key stored = GetKey(key.id);
  EXPECT_EQ(stored.notified_flags, kNotice3Days);
  EXPECT_EQ(stored.next_notice_at, stored.expires_at - kDay);
}

TEST_F(KeyExtendTest, RefusesKeysThatNoLongerRun) {
  Key revoked = Activate(kDay);
  auto task = keys->Revoke(revoked.id, "test");
  ASSERT_TRUE(task.ok() && task->has_value());
  auto r = keys->Extend(revoked.id, 5);  // revoking
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is revoking"));
  ASSERT_EQ(executor->RunClaimed(Claim(**task)), usecases::TaskOutcome::kDone);
  r = keys->Extend(revoked.id, 5);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is revoked"));
  EXPECT_EQ(GetKey(revoked.id).expires_at, revoked.expires_at);

  backend.FailWith(InvalidArgument("refused"));
  usecases::IssuedKey failed = Issue(kDay);
  ASSERT_EQ(executor->RunClaimed(Claim(failed.task_id)), usecases::TaskOutcome::kFailed);
  r = keys->Extend(failed.key.id, 5);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is failed"));

  EXPECT_EQ(keys->Extend(999, 5).status().code(), StatusCode::kNotFound);
}

// The server's copy of the terms (a panel's client expiry) follows every extension through a
// sync_key task in the outbox: a panel must not end a key the person paid for.
std::optional<Task> PendingSyncOf(const std::vector<Task>& pending, Id key_id) {
  for (const Task& t : pending) {
    if (t.kind == TaskKind::kSyncKey && t.subject_id == key_id) return t;
  }
  return std::nullopt;
}

TEST_F(KeyExtendTest, AnExtensionBringsTheServersExpiryUpToDate) {
  Key key = Activate(10 * kDay);
  EXPECT_FALSE(PendingSyncOf(TasksIn(TaskState::kPending), key.id).has_value());
  ASSERT_TRUE(keys->Extend(key.id, 30).ok());
  auto sync = PendingSyncOf(TasksIn(TaskState::kPending), key.id);
  ASSERT_TRUE(sync.has_value()) << "no sync_key task after the extension";
  EXPECT_EQ(backend.updates(), 0);  // nothing reaches the server inside the transaction
  EXPECT_EQ(executor->RunClaimed(Claim(sync->id)), usecases::TaskOutcome::kDone);
  ASSERT_EQ(backend.updated_expiry().count(key.id), 1u);
  EXPECT_EQ(backend.updated_expiry().at(key.id), key.expires_at + 30 * kDay);
}

TEST_F(KeyExtendTest, ASyncWaitsForAPendingKeyAndRetriesAFailingServer) {
  usecases::IssuedKey k = Issue(kDay);
  ASSERT_TRUE(keys->Extend(k.key.id, 1).ok());
  auto sync = PendingSyncOf(TasksIn(TaskState::kPending), k.key.id);
  ASSERT_TRUE(sync.has_value());
  // The provisioning under way may have read the old expiry: the sync waits for the key.
  EXPECT_EQ(executor->RunClaimed(Claim(sync->id)), usecases::TaskOutcome::kRetryLater);
  EXPECT_EQ(backend.updates(), 0);
  ASSERT_EQ(executor->RunClaimed(Claim(k.task_id)), usecases::TaskOutcome::kDone);
  backend.FailWith(Unavailable("panel down"));
  clock.Advance(hours(1));
  EXPECT_EQ(executor->RunClaimed(Claim(sync->id)), usecases::TaskOutcome::kRetryLater);
  backend.FailWith(Status::Ok());
  clock.Advance(hours(1));
  EXPECT_EQ(executor->RunClaimed(Claim(sync->id)), usecases::TaskOutcome::kDone);
  EXPECT_EQ(backend.updated_expiry().at(k.key.id), k.key.expires_at + kDay);
}

TEST_F(KeyExtendTest, ASyncOfAKeyRevokedSinceTouchesNothing) {
  Key key = Activate(kDay);
  ASSERT_TRUE(keys->Extend(key.id, 3).ok());
  auto sync = PendingSyncOf(TasksIn(TaskState::kPending), key.id);
  ASSERT_TRUE(sync.has_value());
  ASSERT_TRUE(keys->Revoke(key.id, "test").ok());
  EXPECT_EQ(executor->RunClaimed(Claim(sync->id)), usecases::TaskOutcome::kDone);
  EXPECT_EQ(backend.updates(), 0);
}

TEST_F(KeyExtendTest, DaysMustBeOneToTenYears) {
  Key key = Activate(kDay);
  for (int bad : {0, -1, usecases::kMaxExtendDays + 1}) {
    auto r = keys->Extend(key.id, bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("1..3650")) << bad;
  }
  EXPECT_EQ(GetKey(key.id).expires_at, key.expires_at);
  EXPECT_TRUE(keys->Extend(key.id, usecases::kMaxExtendDays).ok());
}

}  // namespace
}  // namespace vpnhub
