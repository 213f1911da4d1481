#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using TaskExecutorTest = UseCaseTest;

TEST_F(TaskExecutorTest, ProvisionCreatesTheKeyRemotelyThenActivatesIt) {
  AddServer(5);
  auto issued = keys->Issue(Request(1));
  ASSERT_TRUE(issued.ok());
  Task t = Claim(issued->task_id);
  EXPECT_EQ(executor->RunClaimed(t), usecases::TaskOutcome::kDone);
  EXPECT_TRUE(backend.Has(issued->key.remote_name));
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
  EXPECT_EQ(GetTask(t.id).state, TaskState::kDone);
}

TEST_F(TaskExecutorTest, RunningATaskTwiceDoesNoHarm) {
  AddServer(5);
  auto issued = keys->Issue(Request(1));
  ASSERT_TRUE(issued.ok());
  Task t = Claim(issued->task_id);
  ASSERT_TRUE(executor->Execute(t).ok());
  ASSERT_TRUE(executor->Execute(t).ok());
  EXPECT_EQ(backend.creates(), 1);  // the second run sees an active key and skips the remote
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
}

TEST_F(TaskExecutorTest, RetryableFailureReschedulesWithBackoffThenFailsForGood) {
  AddServer(5);
  auto issued = keys->Issue(Request(1));
  ASSERT_TRUE(issued.ok());
  backend.FailWith(Unavailable("manager did not answer"));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Task t = Claim(issued->task_id);
    EXPECT_EQ(t.attempts, attempt);
    EXPECT_EQ(executor->RunClaimed(t), usecases::TaskOutcome::kRetryLater);
    Task after = GetTask(t.id);
    EXPECT_EQ(after.state, TaskState::kPending);
    EXPECT_EQ(after.next_attempt_at, clock.Now() + executor->policy().DelayAfter(attempt));
    EXPECT_NE(after.last_error.find("manager did not answer"), std::string::npos);
    clock.Advance(std::chrono::hours(1));
  }
  Task last = Claim(issued->task_id);
  EXPECT_EQ(executor->RunClaimed(last), usecases::TaskOutcome::kFailed);
  EXPECT_EQ(GetTask(last.id).state, TaskState::kFailed);
  Key k = GetKey(issued->key.id);
  EXPECT_EQ(k.state, KeyState::kFailed);
  EXPECT_NE(k.last_error.find("manager did not answer"), std::string::npos);
}

TEST_F(TaskExecutorTest, FailedTaskCanBeRetried) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(keys->Revoke(a->key.id, "admin").ok());
  Id revoke_id = TasksIn(TaskState::kPending).front().id;
  backend.FailWith(Unavailable("down"));
  for (int i = 0; i < 3; ++i) {
    Task t = Claim(revoke_id);
    executor->RunClaimed(t);
    clock.Advance(std::chrono::hours(1));
  }
  EXPECT_EQ(GetTask(revoke_id).state, TaskState::kFailed);
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kRevoking);  // stuck keys stay visible
  backend.FailWith(Status::Ok());
  ASSERT_TRUE(
      store->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(revoke_id, clock.Now()); })
          .ok());
  Task t = Claim(revoke_id);
  EXPECT_EQ(t.attempts, 1);
  EXPECT_EQ(executor->RunClaimed(t), usecases::TaskOutcome::kDone);
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kRevoked);
}

TEST_F(TaskExecutorTest, RevokeDeletesRemotelyThenMarksRevoked) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(executor->RunClaimed(Claim(a->task_id)), usecases::TaskOutcome::kDone);
  auto task = keys->Revoke(a->key.id, "admin");
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_EQ(executor->RunClaimed(Claim(**task)), usecases::TaskOutcome::kDone);
  EXPECT_FALSE(backend.Has(a->key.remote_name));
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kRevoked);
}

TEST_F(TaskExecutorTest, KeyRevokedBeforeProvisioningFinishesIsNotLeftOnTheServer) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  Task provision = Claim(a->task_id);
  ASSERT_TRUE(keys->Revoke(a->key.id, "admin").ok());  // key: pending -> revoking
  EXPECT_EQ(executor->RunClaimed(provision), usecases::TaskOutcome::kDone);
  EXPECT_FALSE(backend.Has(a->key.remote_name));
  EXPECT_EQ(backend.creates(), 0);  // not pending any more: nothing created
}

TEST_F(TaskExecutorTest, BatchRecordsEveryOutcomeInOrder) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  auto b = keys->Issue(Request(2));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(executor->RunClaimed(Claim(b->task_id)), usecases::TaskOutcome::kDone);
  auto revoke = keys->Revoke(b->key.id, "admin");
  ASSERT_TRUE(revoke.ok() && revoke->has_value());
  // A task whose key does not exist fails for good (permanent), without holding the others up.
  Id orphan = 0;
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) -> Status {
                    auto id = tx.tasks().EnqueueTask(TaskKind::kRevokeKey, 999, clock.Now());
                    if (!id.ok()) return id.status();
                    orphan = *id;
                    return Status::Ok();
                  })
                  .ok());
  std::vector<Task> batch{Claim(a->task_id), Claim(orphan), Claim(**revoke)};
  auto outcomes = executor->RunClaimedBatch(batch);
  EXPECT_EQ(outcomes, (std::vector<usecases::TaskOutcome>{usecases::TaskOutcome::kDone,
                                                          usecases::TaskOutcome::kFailed,
                                                          usecases::TaskOutcome::kDone}));
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kActive);
  EXPECT_EQ(GetKey(b->key.id).state, KeyState::kRevoked);
  EXPECT_TRUE(backend.Has(a->key.remote_name));
  EXPECT_FALSE(backend.Has(b->key.remote_name));
  EXPECT_EQ(GetTask(a->task_id).state, TaskState::kDone);
  EXPECT_EQ(GetTask(orphan).state, TaskState::kFailed);
  EXPECT_EQ(GetTask(**revoke).state, TaskState::kDone);
}

TEST_F(TaskExecutorTest, BatchOutOfTimeReleasesWhatItDidNotStart) {
  AddServer(5);
  std::vector<Task> batch;
  std::vector<Id> key_ids;
  for (TgId tg = 1; tg <= 3; ++tg) {
    auto issued = keys->Issue(Request(tg));
    ASSERT_TRUE(issued.ok());
    batch.push_back(Claim(issued->task_id));
    key_ids.push_back(issued->key.id);
  }
  // Each remote call takes 6 s by the clock; the budget is 10 s: the first two start (at 0 s and
  // 6 s), the third would start at 12 s and is released instead.
  backend.OnCall([&](auto&&...) { clock.Advance(std::chrono::seconds(6)); });
  auto outcomes = executor->RunClaimedBatch(batch, std::chrono::seconds(10));
  EXPECT_EQ(outcomes, (std::vector<usecases::TaskOutcome>{usecases::TaskOutcome::kDone,
                                                          usecases::TaskOutcome::kDone,
                                                          usecases::TaskOutcome::kReleased}));
  EXPECT_EQ(backend.creates(), 2);
  EXPECT_EQ(GetKey(key_ids[2]).state, KeyState::kPending);
  Task released = GetTask(batch[2].id);
  EXPECT_EQ(released.state, TaskState::kPending);
  EXPECT_EQ(released.attempts, 0);  // not started: the attempt is given back
  EXPECT_EQ(released.next_attempt_at, clock.Now());
  // It runs on the next claim.
  EXPECT_EQ(executor->RunClaimed(Claim(batch[2].id)), usecases::TaskOutcome::kDone);
  EXPECT_EQ(GetKey(key_ids[2]).state, KeyState::kActive);
}

}  // namespace
}  // namespace vpnhub
