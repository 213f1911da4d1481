// TaskExecutor over a store that fails: reads that fail, a lost connection, commits that fail or
// go through unreported, and a task whose data cannot be loaded amid others that can.
#include "fakes/fault_store.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using usecases::TaskOutcome;

class TaskExecutorFaultsTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    faults = std::make_unique<fakes::FaultStore>(*store);
    RetryPolicy policy;
    policy.max_attempts = 3;
    executor = std::make_unique<usecases::TaskExecutor>(*faults, backends, clock, log, policy);
    AddServer(5);
  }

  // A key whose link goes to the person once it is ready.
  usecases::IssuedKey Announced(TgId tg) {
    auto req = Request(tg);
    req.announce_when_ready = true;
    auto issued = keys->Issue(req);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? *issued : usecases::IssuedKey{};
  }

  int KeyReadyMessages(Id key_id) {
    int n = 0;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 1000);
                      if (!r.ok()) return r.status();
                      for (const auto& m : *r) {
                        n += m.kind == MessageKind::kKeyReady && m.subject_id == key_id;
                      }
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  std::unique_ptr<fakes::FaultStore> faults;
};

TEST_F(TaskExecutorFaultsTest, AFailedReadRetriesEveryTaskOfTheBatchWithoutCallingTheServer) {
  auto a = Announced(1);
  auto b = Announced(2);
  faults->FailReads(1);
  auto outcomes = executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(2, TaskOutcome::kRetryLater));
  EXPECT_EQ(backend.creates(), 0);
  for (Id id : {a.task_id, b.task_id}) {
    Task t = GetTask(id);
    EXPECT_EQ(t.state, TaskState::kPending);
    EXPECT_NE(t.last_error.find("read failed (injected)"), std::string::npos) << t.last_error;
  }
  EXPECT_EQ(log.Count("task.retry"), 2);

  // The next attempt reads again and goes through.
  clock.Advance(std::chrono::hours(1));
  outcomes = executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(2, TaskOutcome::kDone));
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kActive);
  EXPECT_EQ(GetKey(b.key.id).state, KeyState::kActive);
}

TEST_F(TaskExecutorFaultsTest, AFailedReadOnTheLastAttemptReleasesTheTaskInsteadOfFailingIt) {
  auto a = Announced(1);
  Task claimed = Claim(a.task_id);
  claimed.attempts = 3;  // policy.max_attempts = 3: as after two failed tries, the last attempt
  faults->FailReads(1);
  auto outcomes = executor->RunClaimedBatch({claimed});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>{TaskOutcome::kReleased});
  EXPECT_EQ(backend.creates(), 0);
  EXPECT_EQ(log.Count("task.failed"), 0);
  EXPECT_EQ(GetTask(a.task_id).state, TaskState::kPending);
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kPending);

  // On NATS the last delivery's read failing releases it too; the next run goes through.
  faults->FailReads(1);
  outcomes = executor->RunClaimedBatch({Claim(a.task_id)}, std::chrono::hours(1), {true});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>{TaskOutcome::kReleased});
  outcomes = executor->RunClaimedBatch({Claim(a.task_id)});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>{TaskOutcome::kDone});
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kActive);
}

TEST_F(TaskExecutorFaultsTest, AServerErrorOnTheLastAttemptStillFailsTheTask) {
  auto a = Announced(1);
  Task claimed = Claim(a.task_id);
  claimed.attempts = 3;
  backend.FailWith(Unavailable("server down"));
  auto outcomes = executor->RunClaimedBatch({claimed});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>{TaskOutcome::kFailed});
  EXPECT_EQ(GetTask(a.task_id).state, TaskState::kFailed);
}

TEST_F(TaskExecutorFaultsTest, WhileTheConnectionIsLostNothingIsCalledNorRecorded) {
  auto a = Announced(1);
  auto b = Announced(2);
  std::vector<Task> batch{Claim(a.task_id), Claim(b.task_id)};
  faults->LoseConnection();
  auto outcomes = executor->RunClaimedBatch(batch);
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(2, TaskOutcome::kUnrecorded));
  EXPECT_EQ(backend.creates(), 0);
  EXPECT_EQ(log.Count("task.record_error"), 2);  // the batch, then each task on its own
  EXPECT_EQ(log.Count("task.retry"), 0);
  EXPECT_EQ(GetTask(a.task_id).state, TaskState::kRunning);
  EXPECT_EQ(GetTask(a.task_id).attempts, 1);

  // Back: once the claims' lease ends the tasks are claimed again and done.
  faults->RestoreConnection();
  clock.Advance(std::chrono::seconds(61));
  outcomes = executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(2, TaskOutcome::kDone));
  EXPECT_EQ(KeyReadyMessages(a.key.id), 1);
  EXPECT_EQ(KeyReadyMessages(b.key.id), 1);
}

TEST_F(TaskExecutorFaultsTest, ABatchCommittedThoughReportedFailedIsRecordedOnceByTheFallback) {
  // The batch's COMMIT went through but its answer was lost: recording task by task finds the
  // work already recorded and must neither fail nor do it twice.
  auto a = Announced(1);
  auto b = Announced(2);
  faults->AmbiguousCommits(1);
  auto outcomes = executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(2, TaskOutcome::kDone));
  EXPECT_EQ(faults->counts().ambiguous_commits, 1);
  EXPECT_EQ(log.Count("task.record_error"), 0);
  EXPECT_EQ(log.Count("key.activated"), 2);
  for (const auto& k : {a, b}) {
    EXPECT_EQ(GetKey(k.key.id).state, KeyState::kActive);
    EXPECT_EQ(GetTask(k.task_id).state, TaskState::kDone);
    EXPECT_EQ(KeyReadyMessages(k.key.id), 1) << "the link goes out once";
    EXPECT_TRUE(backend.Has(k.key.remote_name)) << "an active key stays on its server";
  }
}

TEST_F(TaskExecutorFaultsTest, OnlyTheBatchWhoseCommitFailedIsLeftUnrecorded) {
  auto a = Announced(1);
  auto b = Announced(2);
  auto c = Announced(3);
  faults->FailNthCommit(2);
  EXPECT_EQ(executor->RunClaimed(Claim(a.task_id)), TaskOutcome::kDone);
  EXPECT_EQ(executor->RunClaimed(Claim(b.task_id)), TaskOutcome::kUnrecorded);
  EXPECT_EQ(executor->RunClaimed(Claim(c.task_id)), TaskOutcome::kDone);
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kActive);
  EXPECT_EQ(GetKey(b.key.id).state, KeyState::kPending);
  EXPECT_EQ(KeyReadyMessages(b.key.id), 0);
  EXPECT_EQ(GetKey(c.key.id).state, KeyState::kActive);
  EXPECT_EQ(log.Count("key.activated"), 2);
}

TEST_F(TaskExecutorFaultsTest, ExecuteWhoseCommitFailsReturnsTheErrorAndCanRunAgain) {
  auto a = Announced(1);
  faults->FailCommits(1);
  Task task = GetTask(a.task_id);
  EXPECT_EQ(executor->Execute(task).code(), StatusCode::kUnavailable);
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kPending);
  EXPECT_EQ(KeyReadyMessages(a.key.id), 0);
  EXPECT_EQ(log.Count("key.activated"), 0);
  ASSERT_TRUE(executor->Execute(task).ok());  // idempotent: the server already has the key
  EXPECT_EQ(GetKey(a.key.id).state, KeyState::kActive);
  EXPECT_EQ(KeyReadyMessages(a.key.id), 1);
  EXPECT_EQ(log.Count("key.activated"), 1);
}

// ---- per-task load errors: the task whose data cannot be loaded fails alone

TEST_F(TaskExecutorFaultsTest, ATaskWhoseKeyIsGoneFailsForGoodAloneInItsBatch) {
  auto gone = Announced(1);
  auto kept = Announced(2);
  ASSERT_TRUE(store->Sql("DELETE FROM keys WHERE id = " + std::to_string(gone.key.id)).ok());
  auto outcomes = executor->RunClaimedBatch({Claim(gone.task_id), Claim(kept.task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kFailed, TaskOutcome::kDone}));
  Task t = GetTask(gone.task_id);
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_NE(t.last_error.find("key " + std::to_string(gone.key.id) + " not found"),
            std::string::npos)
      << t.last_error;
  EXPECT_EQ(GetKey(kept.key.id).state, KeyState::kActive);
  EXPECT_EQ(backend.creates(), 1);
}

}  // namespace
}  // namespace vpnhub
