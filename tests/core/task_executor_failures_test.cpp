// TaskExecutor when things go wrong around the remote call: a key a person waits for fails for
// good (they are told, a trial is given back, the admins alerted), commits that fail (nothing is
// logged as done), and rows that cannot be read (only their own tasks fail).
#include "fakes/fault_store.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using usecases::TaskOutcome;

constexpr TgId kPerson = 5551001;
constexpr TgId kAdmin = 9999;

class TaskExecutorFailuresTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    alerts.admins = {kAdmin};
    MakeExecutor(*store);
  }

  void MakeExecutor(ports::Store& over) {
    RetryPolicy policy;
    policy.max_attempts = 2;
    executor =
        std::make_unique<usecases::TaskExecutor>(over, backends, clock, log, policy, &alerts);
  }

  // A trial key the person waits for, as the bot issues it.
  usecases::IssuedKey IssueTrial(TgId tg = kPerson) {
    auto req = Request(tg);
    req.is_trial = true;
    req.announce_when_ready = true;
    auto issued = keys->Issue(req);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? *issued : usecases::IssuedKey{};
  }

  // Runs the task's attempts until the policy gives up; returns the last outcome.
  TaskOutcome RunUntilSettled(Id task_id) {
    TaskOutcome out = TaskOutcome::kRetryLater;
    for (int i = 0; i < 5 && out == TaskOutcome::kRetryLater; ++i) {
      out = executor->RunClaimed(Claim(task_id));
      clock.Advance(std::chrono::hours(1));
    }
    return out;
  }

  std::vector<OutgoingMessage> Messages(MessageKind kind) {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 1000);
                      if (!r.ok()) return r.status();
                      for (const auto& m : *r) {
                        if (m.kind == kind) out.push_back(m);
                      }
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  std::vector<OutgoingMessage> WaitingAlerts() {
    std::vector<OutgoingMessage> out;
    for (const auto& m : Messages(MessageKind::kAdminAlert)) {
      if (m.text.find("A person was waiting") != std::string::npos) out.push_back(m);
    }
    return out;
  }

  User Person(TgId tg = kPerson) {
    User u;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.users().FindUserByTgId(tg);
                      if (!r.ok()) return r.status();
                      if (!r->has_value()) return NotFound("no user");
                      u = **r;
                      return Status::Ok();
                    })
                    .ok());
    return u;
  }

  usecases::AlertPolicy alerts;
};

// ---- a key a person waits for fails for good (issue 11, item 4)

TEST_F(TaskExecutorFailuresTest, AFailedTrialKeyTellsThePersonGivesTheTrialBackAndAlertsTheAdmins) {
  AddServer(5);
  auto issued = IssueTrial();
  EXPECT_TRUE(Person().trial_used);
  backend.FailWith(Unavailable("manager did not answer"));

  // A retryable failure is not the end: nobody hears anything yet.
  EXPECT_EQ(executor->RunClaimed(Claim(issued.task_id)), TaskOutcome::kRetryLater);
  EXPECT_TRUE(Messages(MessageKind::kKeyFailed).empty());
  EXPECT_TRUE(Person().trial_used);
  clock.Advance(std::chrono::hours(1));

  EXPECT_EQ(executor->RunClaimed(Claim(issued.task_id)), TaskOutcome::kFailed);
  EXPECT_EQ(GetKey(issued.key.id).state, KeyState::kFailed);
  auto told = Messages(MessageKind::kKeyFailed);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].chat_id, kPerson);
  EXPECT_EQ(told[0].subject_id, issued.key.id);
  EXPECT_EQ(told[0].priority, MessagePriority::kReply);
  EXPECT_FALSE(Person().trial_used);
  auto waiting = WaitingAlerts();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].chat_id, kAdmin);
  EXPECT_NE(waiting[0].text.find("key " + std::to_string(issued.key.id) + " (trial)"),
            std::string::npos)
      << waiting[0].text;
  EXPECT_NE(waiting[0].text.find("trial is free again"), std::string::npos) << waiting[0].text;
  EXPECT_NE(waiting[0].text.find("vpnhub task retry " + std::to_string(issued.task_id)),
            std::string::npos)
      << waiting[0].text;
  EXPECT_EQ(log.Count("key.failed"), 1);

  // The trial is theirs again: a new one is accepted.
  backend.FailWith(Status::Ok());
  auto again = keys->Issue([&] {
    auto req = Request(kPerson);
    req.is_trial = true;
    return req;
  }());
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(TaskExecutorFailuresTest, APersonWhoBlockedTheBotGetsTheTrialBackButNoMessage) {
  AddServer(5);
  auto issued = IssueTrial();
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.users().SetBlockedBot(issued.user.id, true);
                  })
                  .ok());
  backend.FailWith(Unavailable("down"));
  EXPECT_EQ(RunUntilSettled(issued.task_id), TaskOutcome::kFailed);
  EXPECT_TRUE(Messages(MessageKind::kKeyFailed).empty());
  EXPECT_FALSE(Person().trial_used);
  auto waiting = WaitingAlerts();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_NE(waiting[0].text.find("blocked the bot"), std::string::npos) << waiting[0].text;
}

TEST_F(TaskExecutorFailuresTest, WhatTheServerMadeForAKeyIsStoredAndDeliveredWithIt) {
  AddServer(5);
  backend.SetRemoteData("data-");
  const auto issued = IssueTrial();
  EXPECT_EQ(executor->RunClaimed(Claim(issued.task_id)), TaskOutcome::kDone);
  const Key key = GetKey(issued.key.id);
  EXPECT_EQ(key.state, KeyState::kActive);
  EXPECT_EQ(key.remote_data, "data-" + key.remote_name);
  const auto ready = Messages(MessageKind::kKeyReady);
  ASSERT_EQ(ready.size(), 1u);
  // The key-ready message is rendered when it is sent, from the key as stored: the delivery of
  // the stored key carries what the server made.
  EXPECT_EQ(ready[0].subject_id, key.id);
  Server server;
  server.public_host = "vpn.example";
  auto delivery = backend.Delivery(server, key, "name");
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_NE(delivery->link.find("?data=data-" + key.remote_name), std::string::npos)
      << delivery->link;
}

TEST_F(TaskExecutorFailuresTest, AKeyWhoseServerDataCannotBeFetchedIsRetriedNotActivated) {
  AddServer(5);
  backend.SetRemoteData("data-");
  backend.FailFetchWith(Unavailable("configuration not ready"));
  const auto issued = IssueTrial();
  EXPECT_EQ(executor->RunClaimed(Claim(issued.task_id)), TaskOutcome::kRetryLater);
  EXPECT_EQ(GetKey(issued.key.id).state, KeyState::kPending);
  EXPECT_TRUE(Messages(MessageKind::kKeyReady).empty());
  backend.FailFetchWith(Status::Ok());
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(executor->RunClaimed(Claim(issued.task_id)), TaskOutcome::kDone);
  const Key key = GetKey(issued.key.id);
  EXPECT_EQ(key.state, KeyState::kActive);
  EXPECT_EQ(key.remote_data, "data-" + key.remote_name);
  EXPECT_EQ(backend.creates(), 2);  // CreateKey is idempotent: the retry asks the server again
}

TEST_F(TaskExecutorFailuresTest, AKeyNobodyWaitsForFailsWithoutTellingAnyone) {
  AddServer(5);
  auto issued = keys->Issue(Request(kPerson));  // an operator's key (CLI): no announcement
  ASSERT_TRUE(issued.ok());
  backend.FailWith(Unavailable("down"));
  EXPECT_EQ(RunUntilSettled(issued->task_id), TaskOutcome::kFailed);
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kFailed);
  EXPECT_TRUE(Messages(MessageKind::kKeyFailed).empty());
  EXPECT_TRUE(WaitingAlerts().empty());
  EXPECT_EQ(Messages(MessageKind::kAdminAlert).size(), 1u);  // the task alert alone
}

TEST_F(TaskExecutorFailuresTest, WaitingAlertsAreThrottledUnderTheirOwnSubject) {
  AddServer(5);
  auto a = IssueTrial(kPerson);
  auto b = IssueTrial(kPerson + 1);
  backend.FailWith(Unavailable("down"));
  // Both fail for good in one batch, within one cooldown: both people are told, one alert.
  executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  clock.Advance(std::chrono::minutes(1));
  auto outcomes = executor->RunClaimedBatch({Claim(a.task_id), Claim(b.task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kFailed, TaskOutcome::kFailed}));
  EXPECT_EQ(Messages(MessageKind::kKeyFailed).size(), 2u);
  EXPECT_EQ(WaitingAlerts().size(), 1u);
  ports::AlertThrottle throttle;
  ASSERT_TRUE(store
                  ->Read([&](ports::StoreTx& tx) -> Status {
                    auto r = tx.coordination().GetAlertThrottle("key_failed_waiting");
                    if (!r.ok()) return r.status();
                    throttle = *r;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(throttle.suppressed, 1);
  EXPECT_FALSE(Person(kPerson).trial_used);
  EXPECT_FALSE(Person(kPerson + 1).trial_used);
}

// ---- state-change logs only after the commit (issue 11, item 8)

TEST_F(TaskExecutorFailuresTest, AnActivationWhoseCommitFailsIsNotLoggedAndRunsAgainLater) {
  AddServer(5);
  auto issued = keys->Issue(Request(kPerson));
  ASSERT_TRUE(issued.ok());
  fakes::FaultStore failing(*store);
  MakeExecutor(failing);
  failing.FailCommits(fakes::FaultStore::kEvery);

  EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), TaskOutcome::kUnrecorded);
  EXPECT_EQ(log.Count("key.activated"), 0);
  EXPECT_EQ(log.Count("task.record_error"), 1);
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kPending);
  EXPECT_EQ(GetTask(issued->task_id).state, TaskState::kRunning);

  // Once the lease has run out another claim repeats it, and this time it counts.
  failing.FailCommits(0);
  clock.Advance(std::chrono::seconds(61));
  EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), TaskOutcome::kDone);
  EXPECT_EQ(log.Count("key.activated"), 1);
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
}

TEST_F(TaskExecutorFailuresTest, ABatchWhoseEveryCommitFailsLogsNoStateChange) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  auto b = keys->Issue(Request(2));
  auto c = IssueTrial();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(executor->RunClaimed(Claim(b->task_id)), TaskOutcome::kDone);
  auto revoke = keys->Revoke(b->key.id, "admin");
  ASSERT_TRUE(revoke.ok() && revoke->has_value());
  // c's second attempt fails for good: its failure, message and trial return are not committed.
  backend.FailWith(Unavailable("down"));
  ASSERT_EQ(executor->RunClaimed(Claim(c.task_id)), TaskOutcome::kRetryLater);
  clock.Advance(std::chrono::hours(1));
  backend.FailWith(Status::Ok());
  const std::size_t before = log.events().size();
  fakes::FaultStore failing(*store);
  MakeExecutor(failing);
  failing.FailCommits(fakes::FaultStore::kEvery);

  std::vector<Task> batch{Claim(a->task_id), Claim(**revoke), Claim(c.task_id)};
  // a is created and b deleted on the server; c fails again, for good this time.
  backend.OnCall([&, calls = 0](auto&&...) mutable {
    backend.FailWith(++calls == 3 ? Unavailable("down") : Status::Ok());
  });
  auto outcomes = executor->RunClaimedBatch(batch);
  EXPECT_EQ(outcomes, std::vector<TaskOutcome>(3, TaskOutcome::kUnrecorded));
  EXPECT_EQ(failing.counts().failed_commits, 4);  // the batch, then each task on its own
  const std::vector<std::string> events = log.events();
  const std::vector<std::string> after(events.begin() + static_cast<std::ptrdiff_t>(before),
                                       events.end());
  EXPECT_EQ(after, std::vector<std::string>(3, "task.record_error"));
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kPending);
  EXPECT_EQ(GetKey(b->key.id).state, KeyState::kRevoking);
  EXPECT_EQ(GetKey(c.key.id).state, KeyState::kPending);
  EXPECT_TRUE(Person().trial_used);
  EXPECT_TRUE(Messages(MessageKind::kKeyFailed).empty());
  EXPECT_TRUE(WaitingAlerts().empty());
}

TEST_F(TaskExecutorFailuresTest, ABatchWhoseCommitFailsOnceLogsEachOutcomeRecordedOnItsOwn) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  auto b = keys->Issue(Request(2));
  ASSERT_TRUE(a.ok() && b.ok());
  fakes::FaultStore failing(*store);
  MakeExecutor(failing);
  failing.FailCommits(2);  // the batch and the first task's own record
  auto outcomes = executor->RunClaimedBatch({Claim(a->task_id), Claim(b->task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kUnrecorded, TaskOutcome::kDone}));
  EXPECT_EQ(log.Count("key.activated"), 1);
  EXPECT_EQ(log.Count("task.record_error"), 1);
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kPending);
  EXPECT_EQ(GetKey(b->key.id).state, KeyState::kActive);
}

TEST_F(TaskExecutorFailuresTest, AnEmptyBatchWhileTheDatabaseFailsIsNothingToDo) {
  // The JetStream worker runs an empty batch when none of its messages could be claimed; with
  // the database failing, recording it used to read past the end of the batch.
  fakes::FaultStore failing(*store);
  MakeExecutor(failing);
  failing.FailCommits(fakes::FaultStore::kEvery);
  EXPECT_TRUE(executor->RunClaimedBatch({}).empty());
  EXPECT_TRUE(log.events().empty());
}

// ---- one unreadable row fails only its own tasks (issue 11, item 10)

// Rows the adapter cannot read, written with raw SQL.
class UnreadableRowTest : public TaskExecutorFailuresTest {
 protected:
  void Sql(const std::string& sql) {
    Status st = store->Sql(sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // Puts keys on two servers (the least loaded first: two on the first, one on the second),
  // then breaks the second.
  void TwoServersOneBroken() {
    healthy = AddServer(5, "a.example.com");
    broken = AddServer(5, "b.example.com");
    auto a = keys->Issue(Request(1));
    auto b = keys->Issue(Request(2));
    auto c = keys->Issue(Request(3));
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    ASSERT_EQ(a->server.id, healthy.id);
    ASSERT_EQ(b->server.id, broken.id);
    ASSERT_EQ(c->server.id, healthy.id);
    on_healthy = *a;
    on_broken = *b;
    also_healthy = *c;
    Sql("UPDATE servers SET settings = 'not json' WHERE id = " + std::to_string(broken.id));
  }

  Server healthy, broken;
  usecases::IssuedKey on_healthy, on_broken, also_healthy;
};

TEST_F(UnreadableRowTest, ACorruptedServerFailsOnlyItsOwnTasksInABatch) {
  TwoServersOneBroken();
  // Either order: the broken server's error must not reach the healthy server's task.
  auto outcomes = executor->RunClaimedBatch({Claim(on_broken.task_id), Claim(on_healthy.task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kRetryLater, TaskOutcome::kDone}));
  EXPECT_EQ(GetKey(on_healthy.key.id).state, KeyState::kActive);
  EXPECT_TRUE(backend.Has(on_healthy.key.remote_name));
  Task t = GetTask(on_broken.task_id);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_NE(t.last_error.find("settings are not a JSON object"), std::string::npos) << t.last_error;

  // Its attempts run out: only the broken server's key fails for good; another key of the
  // healthy server in the same batch is untouched.
  clock.Advance(std::chrono::hours(1));
  outcomes = executor->RunClaimedBatch({Claim(also_healthy.task_id), Claim(on_broken.task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kDone, TaskOutcome::kFailed}));
  EXPECT_EQ(GetKey(also_healthy.key.id).state, KeyState::kActive);
  EXPECT_EQ(GetKey(on_broken.key.id).state, KeyState::kFailed);
  EXPECT_EQ(GetKey(on_healthy.key.id).state, KeyState::kActive);
  EXPECT_EQ(GetTask(also_healthy.task_id).attempts, 1);
  EXPECT_EQ(backend.creates(), 2);
}

TEST_F(UnreadableRowTest, ACorruptedKeyRowFailsOnlyItsOwnTask) {
  healthy = AddServer(5, "a.example.com");
  auto a = keys->Issue(Request(1));
  auto b = keys->Issue(Request(2));
  ASSERT_TRUE(a.ok() && b.ok());
  Sql("UPDATE keys SET state = 'bogus', holds_slot = 0 WHERE id = " + std::to_string(b->key.id));
  auto outcomes = executor->RunClaimedBatch({Claim(b->task_id), Claim(a->task_id)});
  EXPECT_EQ(outcomes, (std::vector<TaskOutcome>{TaskOutcome::kRetryLater, TaskOutcome::kDone}));
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kActive);
  EXPECT_NE(GetTask(b->task_id).last_error.find("unknown state"), std::string::npos);
}

}  // namespace
}  // namespace vpnhub
