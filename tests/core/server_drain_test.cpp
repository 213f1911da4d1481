// Draining a server (usecases::ServerDrain): every active key gets exactly one new key elsewhere,
// the old key is revoked only in the commit that activates the new one, the person hears of it
// once, a drain run again changes nothing twice, and `server remove` waits for an empty server.
#include "core/usecases/server_drain.hpp"

#include <gmock/gmock.h>

#include <set>

#include "core/usecases/task_service.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using ::testing::HasSubstr;

class ServerDrainTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    drain = std::make_unique<usecases::ServerDrain>(*store, backends, secrets, clock);
    a = AddServer(10, "a.example.com");
    b = AddServer(10, "b.example.com");
  }

  // `n` active keys on server a (b disabled meanwhile), for Telegram ids 1001...
  std::vector<Id> ActiveKeysOnA(int n, bool trial = false) {
    EXPECT_TRUE(catalog->SetServerEnabled(b.id, false).ok());
    std::vector<Id> ids;
    for (int i = 0; i < n; ++i) {
      auto req = Request(1001 + next_++);
      req.is_trial = trial;
      auto k = keys->Issue(req);
      EXPECT_TRUE(k.ok()) << k.status().ToString();
      if (!k.ok()) continue;
      EXPECT_EQ(k->server.id, a.id);
      EXPECT_EQ(executor->RunClaimed(Claim(k->task_id)), usecases::TaskOutcome::kDone);
      ids.push_back(k->key.id);
    }
    EXPECT_TRUE(catalog->SetServerEnabled(b.id, true).ok());
    return ids;
  }

  // Runs every pending task of `kind` once; returns how many ran.
  int RunPending(TaskKind kind) {
    int ran = 0;
    for (const Task& t : TasksIn(TaskState::kPending)) {
      if (t.kind != kind) continue;
      executor->RunClaimed(Claim(t.id));
      ++ran;
    }
    return ran;
  }

  std::vector<Key> AllKeys() {
    std::vector<Key> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      ports::KeyFilter f;
                      f.limit = 100000;
                      auto r = tx.keys().ListKeys(f);
                      if (!r.ok()) return r.status();
                      out = *r;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  std::vector<OutgoingMessage> Messages() {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 100000);
                      if (!r.ok()) return r.status();
                      out = *r;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  std::vector<OutgoingMessage> MovedMessages() {
    std::vector<OutgoingMessage> out;
    for (auto& m : Messages()) {
      if (m.kind == MessageKind::kKeyReady && m.text == usecases::KeyMovedText("en")) {
        out.push_back(m);
      }
    }
    return out;
  }

  Server Stored(Id id) {
    Server s;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.catalog().GetServer(id);
                      if (!r.ok()) return r.status();
                      s = *r;
                      return Status::Ok();
                    })
                    .ok());
    return s;
  }

  std::unique_ptr<usecases::ServerDrain> drain;
  Server a, b;
  int next_ = 0;
};

TEST_F(ServerDrainTest, EveryActiveKeyMovesOnceAndTheOldOneIsRevokedOnlyWhenTheNewOneIsActive) {
  const std::vector<Id> old_ids = ActiveKeysOnA(5);
  const std::size_t messages_before = Messages().size();

  auto round = drain->Drain(a.id, {});
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_EQ(round->planned, 5);
  EXPECT_EQ(round->waiting, 5);
  EXPECT_EQ(round->moved, 0);
  EXPECT_EQ(round->total(), 5);
  EXPECT_FALSE(round->finished());
  EXPECT_FALSE(Stored(a.id).enabled);  // no new keys from now on
  // Until the new keys are active, the old ones keep running.
  for (Id id : old_ids) EXPECT_EQ(GetKey(id).state, KeyState::kActive);

  // A second run (the operator again, or after a crash) makes no second key for any old key.
  auto again = drain->Drain(a.id, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->planned, 0);
  EXPECT_EQ(again->waiting, 5);
  EXPECT_EQ(AllKeys().size(), 10u);

  EXPECT_EQ(RunPending(TaskKind::kProvisionKey), 5);
  std::set<Id> owners;
  for (const Key& k : AllKeys()) {
    if (k.server_id == b.id) {
      EXPECT_EQ(k.state, KeyState::kActive);
      owners.insert(k.user_id);
    }
  }
  EXPECT_EQ(owners.size(), 5u);  // one new key per person
  for (Id id : old_ids) {
    EXPECT_EQ(GetKey(id).state, KeyState::kRevoking);
    EXPECT_EQ(GetKey(id).last_error, "moved");
  }
  // Each person got the new key once, in the same commit.
  auto moved = MovedMessages();
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_EQ(Messages().size(), messages_before + 5);

  auto progress = drain->Progress(a.id);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->moved, 5);
  EXPECT_TRUE(progress->finished());

  // The old keys' revoke tasks remove them from server a; then a is empty.
  auto refused = drain->Remove(a.id);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("holds 5 keys"));
  EXPECT_THAT(refused.message(), HasSubstr("vpnhub server drain"));
  EXPECT_EQ(RunPending(TaskKind::kRevokeKey), 5);
  for (Id id : old_ids) EXPECT_EQ(GetKey(id).state, KeyState::kRevoked);
  EXPECT_EQ(Stored(a.id).used_slots, 0);
  EXPECT_TRUE(drain->Remove(a.id).ok());
}

TEST_F(ServerDrainTest, NewKeysKeepTheTermsOfTheOldOnes) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1, /*trial=*/true);
  const Key old = GetKey(old_ids[0]);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  Key fresh;
  for (const Key& k : AllKeys()) {
    if (k.id != old.id) fresh = k;
  }
  EXPECT_EQ(fresh.server_id, b.id);
  EXPECT_EQ(fresh.user_id, old.user_id);
  EXPECT_EQ(fresh.expires_at, old.expires_at);
  EXPECT_EQ(fresh.is_trial, old.is_trial);
  EXPECT_EQ(fresh.traffic_limit_bytes, old.traffic_limit_bytes);
  EXPECT_EQ(fresh.notified_flags, old.notified_flags);
  EXPECT_EQ(fresh.state, KeyState::kPending);
  EXPECT_NE(fresh.secret, old.secret);
}

TEST_F(ServerDrainTest, ActivationRunTwiceSendsTheMovedKeyOnce) {
  ActiveKeysOnA(2);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  std::vector<Task> provisions;
  for (const Task& t : TasksIn(TaskState::kPending)) provisions.push_back(t);
  ASSERT_EQ(provisions.size(), 2u);
  for (const Task& t : provisions) executor->RunClaimed(Claim(t.id));
  // The same tasks performed again (a lease that ran out under a slow server): no second
  // message, no second revoke task.
  for (const Task& t : provisions) EXPECT_TRUE(executor->Execute(t).ok());
  EXPECT_EQ(MovedMessages().size(), 2u);
  int revokes = 0;
  for (const Task& t : TasksIn(TaskState::kPending)) revokes += t.kind == TaskKind::kRevokeKey;
  EXPECT_EQ(revokes, 2);
}

TEST_F(ServerDrainTest, RefusesWithoutRoomForEveryKeyAndChangesNothing) {
  ActiveKeysOnA(3);
  usecases::ServerEdit small;
  small.capacity = 2;
  ASSERT_TRUE(catalog->EditServer(b.id, small).ok());
  auto r = drain->Drain(a.id, {});
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("room for 2 keys"));
  EXPECT_THAT(r.status().message(), HasSubstr("3 keys"));
  EXPECT_TRUE(Stored(a.id).enabled);
  EXPECT_EQ(AllKeys().size(), 3u);
  // An unhealthy server has no room to offer.
  small.capacity = 10;
  ASSERT_TRUE(catalog->EditServer(b.id, small).ok());
  ASSERT_TRUE(
      store->Write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(b.id, false); })
          .ok());
  EXPECT_EQ(drain->Drain(a.id, {}).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Stored(a.id).enabled);
}

TEST_F(ServerDrainTest, TargetsAreChecked) {
  ActiveKeysOnA(1);
  usecases::DrainTarget self;
  self.server_id = a.id;
  EXPECT_EQ(drain->Drain(a.id, self).status().code(), StatusCode::kInvalidArgument);
  usecases::DrainTarget unknown;
  unknown.server_id = 99;
  EXPECT_EQ(drain->Drain(a.id, unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(drain->Drain(99, {}).status().code(), StatusCode::kNotFound);
  usecases::DrainTarget nowhere;
  nowhere.location = "xx";
  EXPECT_EQ(drain->Drain(a.id, nowhere).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(catalog->SetServerEnabled(b.id, false).ok());
  usecases::DrainTarget to_b;
  to_b.server_id = b.id;
  auto disabled = drain->Drain(a.id, to_b);
  EXPECT_EQ(disabled.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(disabled.status().message(), HasSubstr("disabled"));
  EXPECT_TRUE(Stored(a.id).enabled);

  // --location: the servers of another location.
  ASSERT_TRUE(catalog->AddLocation("de").ok());
  Server c;
  c.kind = "shadowsocks";
  c.public_host = "c.example.com";
  c.capacity = 3;
  c.name = "c";
  auto added = catalog->AddServer("de", c);
  ASSERT_TRUE(added.ok());
  usecases::DrainTarget de;
  de.location = "de";
  auto moved = drain->Drain(a.id, de);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->planned, 1);
  int on_c = 0;
  for (const Key& k : AllKeys()) on_c += k.server_id == added->id;
  EXPECT_EQ(on_c, 1);
}

TEST_F(ServerDrainTest, PendingKeysWaitAndMoveOnceActive) {
  ActiveKeysOnA(1);
  ASSERT_TRUE(catalog->SetServerEnabled(b.id, false).ok());
  auto pending = keys->Issue(Request(77));
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->server.id, a.id);
  ASSERT_TRUE(catalog->SetServerEnabled(b.id, true).ok());

  auto round = drain->Drain(a.id, {});
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->planned, 1);
  EXPECT_EQ(round->pending_here, 1);
  EXPECT_EQ(round->total(), 2);
  // Its own provisioning goes on (a person may wait for it); then a later round moves it.
  EXPECT_EQ(executor->RunClaimed(Claim(pending->task_id)), usecases::TaskOutcome::kDone);
  auto next = drain->Drain(a.id, {});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->planned, 1);
  EXPECT_EQ(next->pending_here, 0);
  EXPECT_EQ(next->waiting, 2);
}

TEST_F(ServerDrainTest, ANewKeyThatFailsLeavesTheOldOneRunningAndThePersonUntold) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1, /*trial=*/true);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  backend.FailWith(InvalidArgument("bad key"));  // permanent: fails at once
  const std::size_t before = Messages().size();
  EXPECT_EQ(RunPending(TaskKind::kProvisionKey), 1);
  EXPECT_EQ(GetKey(old_ids[0]).state, KeyState::kActive);
  EXPECT_EQ(Messages().size(), before);  // no "could not set up your key", no trial given back
  auto progress = drain->Progress(a.id);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->failed, 1);
  EXPECT_EQ(progress->waiting, 0);
  EXPECT_TRUE(progress->finished());
}

// What the drain and the runbook say to do about a new key that failed for good — `vpnhub task
// retry ID` once the target works — works for a trial key's move too: the old trial key it
// replaces is not "a trial taken again since".
TEST_F(ServerDrainTest, ANewTrialKeyThatFailedIsRetriedAndTheMoveFinishes) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1, /*trial=*/true);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  const std::vector<Task> provisions = TasksIn(TaskState::kPending);
  ASSERT_EQ(provisions.size(), 1u);
  backend.FailWith(InvalidArgument("bad key"));  // permanent: fails at once
  EXPECT_EQ(executor->RunClaimed(Claim(provisions[0].id)), usecases::TaskOutcome::kFailed);
  backend.FailWith(Status::Ok());

  usecases::TaskService tasks(*store, clock);
  auto retried = tasks.Retry(provisions[0].id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->key.state, KeyState::kPending);
  EXPECT_EQ(executor->RunClaimed(Claim(provisions[0].id)), usecases::TaskOutcome::kDone);
  EXPECT_EQ(GetKey(old_ids[0]).state, KeyState::kRevoking);
  EXPECT_EQ(MovedMessages().size(), 1u);
  auto progress = drain->Progress(a.id);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->moved, 1);
  EXPECT_EQ(progress->failed, 0);
}

TEST_F(ServerDrainTest, APersonWhoBlockedTheBotIsNotMessagedButTheOldKeyIsRevoked) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1);
  const Id owner = GetKey(old_ids[0]).user_id;
  ASSERT_TRUE(
      store->Write([&](ports::StoreTx& tx) { return tx.users().SetBlockedBot(owner, true); }).ok());
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  EXPECT_EQ(RunPending(TaskKind::kProvisionKey), 1);
  EXPECT_EQ(MovedMessages().size(), 0u);
  EXPECT_EQ(GetKey(old_ids[0]).state, KeyState::kRevoking);
}

// The person's key extended while its move is under way (a payment, `key extend`): the new key
// that replaces it carries the extended date, not the one copied when the drain began.
TEST_F(ServerDrainTest, AnExtensionDuringTheMoveIsKeptByTheNewKey) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  auto extended = keys->Extend(old_ids[0], 30);
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(RunPending(TaskKind::kProvisionKey), 1);
  Key fresh;
  for (const Key& k : AllKeys()) {
    if (k.server_id == b.id) fresh = k;
  }
  EXPECT_EQ(fresh.state, KeyState::kActive);
  EXPECT_EQ(fresh.expires_at, extended->expires_at);
  EXPECT_EQ(fresh.next_notice_at, extended->next_notice_at);
  EXPECT_EQ(GetKey(old_ids[0]).state, KeyState::kRevoking);
}

// The old key ended while its move was under way (revoked by an admin or a refund, expired,
// switched to another location): the new key does not outlive it, and nobody is told it moved.
TEST_F(ServerDrainTest, AKeyThatEndedDuringTheMoveLeavesNoNewKeyRunning) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  ASSERT_TRUE(keys->Revoke(old_ids[0], "admin").ok());
  EXPECT_EQ(RunPending(TaskKind::kProvisionKey), 1);
  int running = 0;
  for (const Key& k : AllKeys()) {
    running += k.state == KeyState::kActive || k.state == KeyState::kPending;
  }
  EXPECT_EQ(running, 0);
  EXPECT_EQ(MovedMessages().size(), 0u);
  // Its revoke task takes the new key off its server again.
  EXPECT_EQ(RunPending(TaskKind::kRevokeKey), 2);
  for (const Key& k : AllKeys()) EXPECT_EQ(k.state, KeyState::kRevoked);
  EXPECT_EQ(Stored(b.id).used_slots, 0);
}

// The person switched the key to another location while its move was under way, and the move's
// key became active first: the switch's key is the one they keep, never both.
TEST_F(ServerDrainTest, AKeySwitchedDuringTheMoveLeavesThePersonOneKey) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1);
  const Key old = GetKey(old_ids[0]);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  std::vector<Task> move_tasks = TasksIn(TaskState::kPending);
  ASSERT_EQ(move_tasks.size(), 1u);
  // The switch (billing's IssueBoughtKey): a new key of the person, linked to the old one.
  auto switched = keys->Issue(Request(1001));  // the owner of the old key (ActiveKeysOnA)
  ASSERT_TRUE(switched.ok()) << switched.status().ToString();
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) {
                    KeySwitch ks;
                    ks.new_key_id = switched->key.id;
                    ks.old_key_id = old.id;
                    ks.number = 1;
                    ks.created_at = clock.Now();
                    return tx.billing().InsertKeySwitch(ks);
                  })
                  .ok());
  EXPECT_EQ(executor->RunClaimed(Claim(move_tasks[0].id)), usecases::TaskOutcome::kDone);
  EXPECT_EQ(executor->RunClaimed(Claim(switched->task_id)), usecases::TaskOutcome::kDone);
  std::vector<Id> running;
  for (const Key& k : AllKeys()) {
    if (k.state == KeyState::kActive || k.state == KeyState::kPending) running.push_back(k.id);
  }
  EXPECT_EQ(running, std::vector<Id>{switched->key.id});
}

// The same, but the switch's key fails for good: the person keeps the moved key.
TEST_F(ServerDrainTest, AKeySwitchedDuringTheMoveWhoseSwitchFailsKeepsTheMovedKey) {
  const std::vector<Id> old_ids = ActiveKeysOnA(1);
  ASSERT_TRUE(drain->Drain(a.id, {}).ok());
  std::vector<Task> move_tasks = TasksIn(TaskState::kPending);
  ASSERT_EQ(move_tasks.size(), 1u);
  auto switched = keys->Issue(Request(1001));
  ASSERT_TRUE(switched.ok()) << switched.status().ToString();
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) {
                    KeySwitch ks;
                    ks.new_key_id = switched->key.id;
                    ks.old_key_id = old_ids[0];
                    ks.number = 1;
                    ks.created_at = clock.Now();
                    return tx.billing().InsertKeySwitch(ks);
                  })
                  .ok());
  EXPECT_EQ(executor->RunClaimed(Claim(move_tasks[0].id)), usecases::TaskOutcome::kDone);
  backend.FailWith(InvalidArgument("bad key"));  // permanent: fails at once
  EXPECT_EQ(executor->RunClaimed(Claim(switched->task_id)), usecases::TaskOutcome::kFailed);
  backend.FailWith(Status::Ok());
  std::vector<Id> running;
  for (const Key& k : AllKeys()) {
    if (k.state == KeyState::kActive || k.state == KeyState::kPending) running.push_back(k.id);
  }
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(GetKey(running[0]).server_id, b.id);
  EXPECT_NE(running[0], switched->key.id);
  EXPECT_EQ(GetKey(old_ids[0]).state, KeyState::kRevoking);
}

TEST_F(ServerDrainTest, RemovedServerLeavesTheListsAndFreesItsName) {
  auto removed = drain->Remove(a.id);
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  auto list = catalog->ListServers();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, b.id);
  EXPECT_EQ(drain->Remove(a.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(drain->Remove(99).code(), StatusCode::kNotFound);
  AddServer(5, "a.example.com");  // the same name "srv-a.example.com" again
  // A removed server's ports are free again for another server on the same endpoint.
  EXPECT_FALSE(Stored(a.id).enabled);
}

TEST_F(ServerDrainTest, MovedKeyTextIsInEnglishAndRussian) {
  EXPECT_THAT(usecases::KeyMovedText("en"), HasSubstr("moved to another server"));
  EXPECT_THAT(usecases::KeyMovedText("ru"), HasSubstr("перенесён на другой сервер"));
  EXPECT_EQ(usecases::KeyMovedText("de"), usecases::KeyMovedText("en"));
}

}  // namespace
}  // namespace vpnhub
