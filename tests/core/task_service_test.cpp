// TaskService::Retry (`vpnhub task retry`): a failed provisioning takes a slot again and is
// provisioned; a failed revoke is retried as it is; what cannot be retried says why.
#include "core/usecases/task_service.hpp"

#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using usecases::TaskOutcome;

class TaskServiceTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    tasks = std::make_unique<usecases::TaskService>(*store, clock);
  }

  // Runs the task until it fails for good against a dead VPN server; the server is back after.
  void FailForGood(Id task_id) {
    backend.FailWith(Unavailable("manager did not answer"));
    for (int i = 0; i < 5 && GetTask(task_id).state != TaskState::kFailed; ++i) {
      executor->RunClaimed(Claim(task_id));
      clock.Advance(std::chrono::minutes(1));
    }
    ASSERT_EQ(GetTask(task_id).state, TaskState::kFailed);
    backend.FailWith(Status::Ok());
  }

  bool TrialUsed(TgId tg) {
    bool used = false;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto u = tx.users().FindUserByTgId(tg);
                      if (!u.ok()) return u.status();
                      used = u->has_value() && (*u)->trial_used;
                      return Status::Ok();
                    })
                    .ok());
    return used;
  }

  Status Write(const std::function<Status(ports::StoreTx&)>& fn) { return store->Write(fn); }

  std::unique_ptr<usecases::TaskService> tasks;
};

TEST_F(TaskServiceTest, AFailedProvisioningGoesBackToPendingOnItsSlotAndIsProvisioned) {
  AddServer(5);
  auto issued = keys->Issue(Request(1));
  ASSERT_TRUE(issued.ok());
  FailForGood(issued->task_id);
  ASSERT_EQ(GetKey(issued->key.id).state, KeyState::kFailed);

  auto retried = tasks->Retry(issued->task_id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->task.state, TaskState::kPending);
  EXPECT_EQ(retried->task.attempts, 0);
  EXPECT_EQ(retried->key.state, KeyState::kPending);
  EXPECT_EQ(retried->key.slot, issued->key.slot);
  EXPECT_EQ(retried->key.last_error, "");
  EXPECT_FALSE(retried->moved_from_slot.has_value());

  // The worker provisions it like a new key.
  EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), TaskOutcome::kDone);
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
  EXPECT_TRUE(backend.Has(issued->key.remote_name));
  EXPECT_EQ(GetTask(issued->task_id).state, TaskState::kDone);
}

TEST_F(TaskServiceTest, AKeyWhoseSlotWasTakenMovesToTheLowestFreeSlot) {
  AddServer(3);
  auto failed = keys->Issue(Request(1));  // slot 0
  ASSERT_TRUE(failed.ok());
  FailForGood(failed->task_id);
  auto taker = keys->Issue(Request(2));  // takes the freed slot 0
  auto next = keys->Issue(Request(3));   // slot 1
  ASSERT_TRUE(taker.ok() && next.ok());
  ASSERT_EQ(taker->key.slot, 0);

  auto retried = tasks->Retry(failed->task_id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->key.slot, 2);
  ASSERT_TRUE(retried->moved_from_slot.has_value());
  EXPECT_EQ(*retried->moved_from_slot, 0);
  EXPECT_EQ(executor->RunClaimed(Claim(failed->task_id)), TaskOutcome::kDone);
  Key k = GetKey(failed->key.id);
  EXPECT_EQ(k.state, KeyState::kActive);
  EXPECT_EQ(k.slot, 2);
}

TEST_F(TaskServiceTest, AFullServerRefusesTheRetryAndChangesNothing) {
  AddServer(1);
  auto failed = keys->Issue(Request(1));
  ASSERT_TRUE(failed.ok());
  FailForGood(failed->task_id);
  ASSERT_TRUE(keys->Issue(Request(2)).ok());  // the only slot is taken

  auto retried = tasks->Retry(failed->task_id);
  EXPECT_EQ(retried.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(retried.status().message().find("is full (1 of 1 slots held)"), std::string::npos)
      << retried.status().message();
  EXPECT_EQ(GetKey(failed->key.id).state, KeyState::kFailed);
  Task t = GetTask(failed->task_id);
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.generation, 0);
}

TEST_F(TaskServiceTest, AFailedRevokeIsRetriedAsBefore) {
  AddServer(5);
  auto a = keys->Issue(Request(1));
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(executor->RunClaimed(Claim(a->task_id)), TaskOutcome::kDone);
  auto revoke = keys->Revoke(a->key.id, "admin");
  ASSERT_TRUE(revoke.ok() && revoke->has_value());
  FailForGood(**revoke);
  ASSERT_EQ(GetKey(a->key.id).state, KeyState::kRevoking);

  auto retried = tasks->Retry(**revoke);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->task.state, TaskState::kPending);
  EXPECT_EQ(retried->task.generation, 1);
  EXPECT_EQ(retried->key.state, KeyState::kRevoking);
  EXPECT_EQ(executor->RunClaimed(Claim(**revoke)), TaskOutcome::kDone);
  EXPECT_EQ(GetKey(a->key.id).state, KeyState::kRevoked);
  EXPECT_FALSE(backend.Has(a->key.remote_name));
}

TEST_F(TaskServiceTest, ATrialKeyTakesTheTrialGivenBackAgain) {
  AddServer(5);
  auto req = Request(7);
  req.is_trial = true;
  req.announce_when_ready = true;
  auto trial = keys->Issue(req);
  ASSERT_TRUE(trial.ok());
  FailForGood(trial->task_id);
  ASSERT_FALSE(TrialUsed(7));  // given back when the key failed

  auto retried = tasks->Retry(trial->task_id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(TrialUsed(7));
  EXPECT_EQ(executor->RunClaimed(Claim(trial->task_id)), TaskOutcome::kDone);
  EXPECT_EQ(GetKey(trial->key.id).state, KeyState::kActive);
}

TEST_F(TaskServiceTest, ATrialKeyIsNotRetriedOnceThePersonTookAnotherTrial) {
  AddServer(5);
  auto req = Request(7);
  req.is_trial = true;
  req.announce_when_ready = true;
  auto first = keys->Issue(req);
  ASSERT_TRUE(first.ok());
  FailForGood(first->task_id);
  auto second = keys->Issue(req);  // the trial was given back: they took it again
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  auto retried = tasks->Retry(first->task_id);
  EXPECT_EQ(retried.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(retried.status().message().find("key " + std::to_string(second->key.id)),
            std::string::npos)
      << retried.status().message();
  EXPECT_EQ(GetKey(first->key.id).state, KeyState::kFailed);
  EXPECT_EQ(GetTask(first->task_id).state, TaskState::kFailed);
}

TEST_F(TaskServiceTest, WhatCannotBeRetriedSaysWhy) {
  AddServer(5);
  EXPECT_EQ(tasks->Retry(999).status().code(), StatusCode::kNotFound);

  auto pending = keys->Issue(Request(1));
  ASSERT_TRUE(pending.ok());
  auto r = tasks->Retry(pending->task_id);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("is pending; only failed tasks"), std::string::npos)
      << r.status().message();

  // A key past its end is not set up again.
  auto expiring = keys->Issue(Request(2, std::chrono::hours(1)));
  ASSERT_TRUE(expiring.ok());
  FailForGood(expiring->task_id);
  clock.Advance(std::chrono::hours(1));
  r = tasks->Retry(expiring->task_id);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("expired"), std::string::npos) << r.status().message();
  EXPECT_EQ(GetKey(expiring->key.id).state, KeyState::kFailed);

  // A failed provisioning whose key became active meanwhile has nothing left to do.
  auto active = keys->Issue(Request(3));
  ASSERT_TRUE(active.ok());
  FailForGood(active->task_id);
  ASSERT_TRUE(Write([&](ports::StoreTx& tx) {
                return tx.keys().ReviveFailedKey(active->key.id, active->key.slot, clock.Now());
              }).ok());
  ASSERT_TRUE(Write([&](ports::StoreTx& tx) {
                return tx.keys().UpdateKeyState(active->key.id, KeyState::kPending,
                                                KeyState::kActive, clock.Now(), "");
              }).ok());
  r = tasks->Retry(active->task_id);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("active already"), std::string::npos) << r.status().message();
}

TEST_F(TaskServiceTest, AKeyOnADisabledServerIsNotRetried) {
  // No new keys go to a disabled server, and a failed key coming back would be one.
  Server s;
  s.kind = "shadowsocks";
  s.public_host = "off.example.com";
  s.name = "off";
  s.capacity = 5;
  s.enabled = false;
  auto server = catalog->AddServer("nl", s);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Id task_id = 0, key_id = 0;
  ASSERT_TRUE(Write([&](ports::StoreTx& tx) -> Status {
                User u;
                u.tg_id = 9;
                u.created_at = clock.Now();
                auto user = tx.users().InsertUser(u);
                if (!user.ok()) return user.status();
                Key k;
                k.user_id = *user;
                k.server_id = server->id;
                k.remote_name = "vpnhub-9-off";
                k.secret = "secret";
                k.state = KeyState::kFailed;
                k.expires_at = clock.Now() + std::chrono::hours(24);
                k.created_at = k.updated_at = clock.Now();
                auto key = tx.keys().InsertKey(k);
                if (!key.ok()) return key.status();
                key_id = *key;
                auto task = tx.tasks().EnqueueTask(TaskKind::kProvisionKey, key_id, clock.Now());
                if (!task.ok()) return task.status();
                task_id = *task;
                return Status::Ok();
              }).ok());
  Claim(task_id);
  ASSERT_TRUE(Write([&](ports::StoreTx& tx) {
                return tx.tasks().FailTask(task_id, "gave up", clock.Now());
              }).ok());

  auto r = tasks->Retry(task_id);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      r.status().message().find("server 'off' of key " + std::to_string(key_id) + " is disabled"),
      std::string::npos)
      << r.status().message();
  EXPECT_EQ(GetKey(key_id).state, KeyState::kFailed);
  EXPECT_EQ(GetTask(task_id).state, TaskState::kFailed);
}

TEST_F(TaskServiceTest, AFailedTaskWhoseKeyIsStillPendingIsRetriedAlone) {
  AddServer(5);
  auto issued = keys->Issue(Request(1));
  ASSERT_TRUE(issued.ok());
  // The task row failed without its key (an operator's hand, an older version).
  Claim(issued->task_id);
  ASSERT_TRUE(Write([&](ports::StoreTx& tx) {
                return tx.tasks().FailTask(issued->task_id, "gave up", clock.Now());
              }).ok());
  auto retried = tasks->Retry(issued->task_id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->key.state, KeyState::kPending);
  EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), TaskOutcome::kDone);
  EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
}

}  // namespace
}  // namespace vpnhub
