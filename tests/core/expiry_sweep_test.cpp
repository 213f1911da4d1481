#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using ExpirySweepTest = UseCaseTest;

TEST_F(ExpirySweepTest, MovesOnlyDueActiveKeysToRevokingWithOneRevokeTaskEach) {
  AddServer(100);
  std::vector<Id> short_lived, long_lived;
  for (int i = 0; i < 30; ++i) {
    auto k =
        keys->Issue(Request(1000 + i, i < 20 ? std::chrono::seconds(10) : std::chrono::hours(1)));
    ASSERT_TRUE(k.ok());
    ASSERT_EQ(executor->RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kDone);
    (i < 20 ? short_lived : long_lived).push_back(k->key.id);
  }
  clock.Advance(std::chrono::seconds(11));
  usecases::ExpirySweep sweep(*store, clock, /*batch_size=*/7);  // several batches
  auto r = sweep.Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->keys_expired, 20);
  for (Id id : short_lived) EXPECT_EQ(GetKey(id).state, KeyState::kRevoking);
  for (Id id : long_lived) EXPECT_EQ(GetKey(id).state, KeyState::kActive);
  auto pending = TasksIn(TaskState::kPending);
  ASSERT_EQ(pending.size(), 20u);
  for (const auto& t : pending) EXPECT_EQ(t.kind, TaskKind::kRevokeKey);

  // A second sweep finds nothing new: no duplicate tasks.
  auto again = sweep.Run();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->keys_expired, 0);
  EXPECT_EQ(TasksIn(TaskState::kPending).size(), 20u);
}

TEST_F(ExpirySweepTest, PendingKeysAreNotSweptUntilActive) {
  AddServer(10);
  auto k = keys->Issue(Request(1, std::chrono::seconds(1)));
  ASSERT_TRUE(k.ok());
  clock.Advance(std::chrono::seconds(5));
  usecases::ExpirySweep sweep(*store, clock);
  auto r = sweep.Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->keys_expired, 0);
  ASSERT_EQ(executor->RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kDone);
  r = sweep.Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->keys_expired, 1);
}

}  // namespace
}  // namespace vpnhub
