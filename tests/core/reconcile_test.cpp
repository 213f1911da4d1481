// The reconciliation of one server (usecases::Reconciler) over the in-memory store and the fake
// backend, and the restore_key task it queues (TaskExecutor).
#include "core/usecases/reconcile.hpp"

#include <algorithm>

#include "core/usecases/server_drain.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

class ReconcileTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    server = AddServer(50);
  }

  // A key issued and provisioned: active, and on the fake server.
  Key ActiveKey(TgId tg) {
    auto issued = keys->Issue(Request(tg));
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    if (!issued.ok()) return Key{};
    EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), usecases::TaskOutcome::kDone);
    clock.Advance(std::chrono::seconds(1));  // changed before any listing below began
    return GetKey(issued->key.id);
  }

  usecases::ReconcileReport Reconcile(bool dry_run = false, int page_size = 500) {
    usecases::Reconciler reconciler(*store, backends, clock);
    usecases::ReconcileOptions options;
    options.dry_run = dry_run;
    options.page_size = page_size;
    drift.clear();
    auto r = reconciler.Run(server.id, options,
                            [this](const usecases::Drift& d) { drift.push_back(d); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : usecases::ReconcileReport{};
  }

  std::vector<Task> OpenRestores() {
    std::vector<Task> out;
    for (const Task& t : TasksIn(TaskState::kPending)) {
      if (t.kind == TaskKind::kRestoreKey) out.push_back(t);
    }
    return out;
  }

  // Runs every pending task once.
  void RunPending() {
    for (const Task& t : TasksIn(TaskState::kPending)) executor->RunClaimed(Claim(t.id));
    clock.Advance(std::chrono::seconds(1));
  }

  std::string RemoteSecret(const std::string& remote_id) {
    auto listed = backend.ListKeys(server);
    EXPECT_TRUE(listed.ok());
    for (const auto& r : *listed) {
      if (r.remote_id == remote_id) return r.secret;
    }
    return "";
  }

  void MarkForeign(const std::string& ids) {
    usecases::ServerEdit edit;
    edit.settings[usecases::kForeignSetting] = ids;
    auto edited = catalog->EditServer(server.id, edit);
    ASSERT_TRUE(edited.ok()) << edited.status().ToString();
    server = *edited;
  }

  Server server;
  std::vector<usecases::Drift> drift;
};

TEST_F(ReconcileTest, AServerInStepHasNoDrift) {
  for (TgId tg = 1; tg <= 3; ++tg) ActiveKey(tg);
  auto r = Reconcile();
  EXPECT_EQ(r.remote_keys, 3);
  EXPECT_EQ(r.checked_keys, 3);
  EXPECT_EQ(r.drift(), 0);
  EXPECT_TRUE(drift.empty());
  EXPECT_TRUE(OpenRestores().empty());
}

TEST_F(ReconcileTest, ForgottenKeysAreRestoredOnceEvenWhenTwoRunsFindThem) {
  std::vector<Key> active;
  for (TgId tg = 1; tg <= 3; ++tg) active.push_back(ActiveKey(tg));
  backend.ForgetAll();  // ss-manager restarted empty
  auto first = Reconcile();
  EXPECT_EQ(first.missing, 3);
  EXPECT_EQ(first.missing_repaired, 3);
  ASSERT_EQ(drift.size(), 3u);
  EXPECT_EQ(drift[0].kind, usecases::DriftKind::kMissing);
  EXPECT_EQ(drift[0].key_id, active[0].id);
  EXPECT_EQ(drift[0].remote_id, active[0].remote_name);
  auto second = Reconcile();  // before the worker ran: the tasks are open already
  EXPECT_EQ(second.missing, 3);
  for (const auto& d : drift) EXPECT_EQ(d.action, "restore_key already queued");
  ASSERT_EQ(OpenRestores().size(), 3u);

  RunPending();
  for (const Key& k : active) {
    EXPECT_TRUE(backend.Has(k.remote_name));
    EXPECT_EQ(backend.created_keys()[k.id], 2);  // provisioned once, restored once
    EXPECT_EQ(GetKey(k.id).state, KeyState::kActive);
  }
  EXPECT_EQ(Reconcile().drift(), 0);
}

TEST_F(ReconcileTest, AnUnknownKeyOfOurSchemeIsRemoved) {
  ActiveKey(1);
  backend.Plant("stray-port", "their-secret");
  auto r = Reconcile();
  EXPECT_EQ(r.orphans, 1);
  EXPECT_EQ(r.orphans_removed, 1);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].kind, usecases::DriftKind::kOrphan);
  EXPECT_EQ(drift[0].key_id, 0);
  EXPECT_EQ(drift[0].action, "removed");
  EXPECT_FALSE(backend.Has("stray-port"));
  EXPECT_TRUE(OpenRestores().empty());
}

TEST_F(ReconcileTest, ARevokedKeyPutBackBehindOurBackIsRemovedAgain) {
  Key k = ActiveKey(1);
  ASSERT_TRUE(keys->Revoke(k.id, "admin").ok());
  RunPending();
  ASSERT_EQ(GetKey(k.id).state, KeyState::kRevoked);
  ASSERT_FALSE(backend.Has(k.remote_name));
  backend.Plant(k.remote_name, k.secret);
  auto r = Reconcile();
  EXPECT_EQ(r.orphans, 1);
  EXPECT_FALSE(backend.Has(k.remote_name));
}

TEST_F(ReconcileTest, KeysNotOfOurSchemeAreLeftAlone) {
  backend.SetForeignPrefix("panel-");
  backend.Plant("panel-7", "someone-else");
  auto r = Reconcile();
  EXPECT_EQ(r.orphans, 0);
  EXPECT_TRUE(backend.Has("panel-7"));
  EXPECT_EQ(backend.remote_deletes(), 0);
}

TEST_F(ReconcileTest, RemoteIdsMarkedForeignAreNeverTouched) {
  Key k = ActiveKey(1);
  backend.Plant("static-1", "operator");
  MarkForeign("static-1 , " + k.remote_name);
  backend.ForgetAll();
  backend.Plant("static-1", "operator");
  auto r = Reconcile();
  EXPECT_EQ(r.drift(), 0);
  EXPECT_EQ(r.foreign, 2);  // the listed static key and the key whose place is marked
  EXPECT_TRUE(backend.Has("static-1"));
  EXPECT_TRUE(OpenRestores().empty());
  EXPECT_EQ(usecases::ForeignRemoteIds(server), (std::set<std::string>{"static-1", k.remote_name}));
}

TEST_F(ReconcileTest, AKeyHeldWithAnotherCredentialIsReplacedByItsOwn) {
  backend.RefuseTakenPlaces(true);  // as ss-manager: a port with another password is refused
  Key k = ActiveKey(1);
  backend.Plant(k.remote_name, "not-the-keys-secret");
  auto r = Reconcile();
  EXPECT_EQ(r.mismatches, 1);
  EXPECT_EQ(r.mismatches_repaired, 1);
  ASSERT_EQ(OpenRestores().size(), 1u);
  RunPending();
  EXPECT_EQ(RemoteSecret(k.remote_name), k.secret);
  EXPECT_EQ(Reconcile().drift(), 0);
}

TEST_F(ReconcileTest, ARestoreLeavesAPlaceMarkedForeignAlone) {
  backend.RefuseTakenPlaces(true);
  Key k = ActiveKey(1);
  backend.Plant(k.remote_name, "static");
  ASSERT_EQ(Reconcile().mismatches, 1);  // queued before the operator marked it
  MarkForeign(k.remote_name);
  RunPending();
  EXPECT_EQ(RemoteSecret(k.remote_name), "static");
  EXPECT_EQ(backend.remote_deletes(), 0);
}

TEST_F(ReconcileTest, KeysInFlightAreLeftToTheirTasks) {
  auto pending = keys->Issue(Request(1));  // not provisioned yet: not on the server
  ASSERT_TRUE(pending.ok());
  Key revoking = ActiveKey(2);
  ASSERT_TRUE(keys->Revoke(revoking.id, "admin").ok());  // still on the server
  clock.Advance(std::chrono::seconds(1));
  auto r = Reconcile();
  EXPECT_EQ(r.in_flight, 2);
  EXPECT_EQ(r.drift(), 0);
  EXPECT_TRUE(backend.Has(revoking.remote_name));
}

TEST_F(ReconcileTest, AKeyThatChangedSinceTheListingBeganIsInFlight) {
  Key k = ActiveKey(1);
  backend.ForgetAll();
  // Activated "now": the listing (taken now) may predate its creation on the server.
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.keys().UpdateKeyState(k.id, KeyState::kActive, KeyState::kActive,
                                                    clock.Now(), "");
                  })
                  .ok());
  EXPECT_EQ(Reconcile().missing, 0);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Reconcile().missing, 1);
}

TEST_F(ReconcileTest, ADryRunChangesNothing) {
  Key k = ActiveKey(1);
  backend.ForgetAll();
  backend.Plant("stray", "x");
  auto r = Reconcile(/*dry_run=*/true);
  EXPECT_EQ(r.missing, 1);
  EXPECT_EQ(r.orphans, 1);
  EXPECT_EQ(r.repairs(), 0);
  for (const auto& d : drift) EXPECT_FALSE(d.repaired);
  EXPECT_TRUE(OpenRestores().empty());
  EXPECT_TRUE(backend.Has("stray"));
  EXPECT_FALSE(backend.Has(k.remote_name));
}

TEST_F(ReconcileTest, ARestoreOfAKeyRevokedMeanwhileCreatesNothing) {
  Key k = ActiveKey(1);
  backend.ForgetAll();
  ASSERT_EQ(Reconcile().missing, 1);
  ASSERT_TRUE(keys->Revoke(k.id, "admin").ok());
  const int creates = backend.creates();
  RunPending();
  EXPECT_EQ(backend.creates(), creates);
  EXPECT_FALSE(backend.Has(k.remote_name));
  EXPECT_EQ(GetKey(k.id).state, KeyState::kRevoked);
}

// The key revoked, and its revoke task done (another worker), while the restore's CreateKey is on
// its way: the restore takes what it created off the server again, so the revoked key does not
// run on (and hold the port a later key of that slot is given).
TEST_F(ReconcileTest, ARestoreThatRacesARevokeLeavesNothingOnTheServer) {
  Key k = ActiveKey(1);
  backend.ForgetAll();
  ASSERT_EQ(Reconcile().missing, 1);
  const std::vector<Task> restores = OpenRestores();
  ASSERT_EQ(restores.size(), 1u);
  bool revoked = false;
  backend.OnCall([&](fakes::FakeBackend::Call call, const Server&, const Key& key) {
    if (call != fakes::FakeBackend::Call::kCreateKey || revoked) return;
    revoked = true;
    auto revoke = keys->Revoke(key.id, "admin");
    ASSERT_TRUE(revoke.ok() && revoke->has_value());
    EXPECT_EQ(executor->RunClaimed(Claim(**revoke)), usecases::TaskOutcome::kDone);
  });
  EXPECT_EQ(executor->RunClaimed(Claim(restores[0].id)), usecases::TaskOutcome::kDone);
  backend.OnCall(nullptr);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(GetKey(k.id).state, KeyState::kRevoked);
  EXPECT_FALSE(backend.Has(k.remote_name));
}

TEST_F(ReconcileTest, PagesCoverEveryKey) {
  std::vector<Key> active;
  for (TgId tg = 1; tg <= 7; ++tg) active.push_back(ActiveKey(tg));
  backend.ForgetAll();
  backend.Plant(active[3].remote_name, active[3].secret);
  auto r = Reconcile(false, /*page_size=*/2);
  EXPECT_EQ(r.checked_keys, 7);
  EXPECT_EQ(r.missing, 6);
  EXPECT_EQ(r.orphans, 0);  // the key on page 2 was seen, not taken for an orphan
}

TEST_F(ReconcileTest, AServerThatCannotBeListedIsLeftAsItIs) {
  ActiveKey(1);
  backend.ForgetAll();
  backend.FailListWith(Unavailable("manager down"));
  usecases::Reconciler reconciler(*store, backends, clock);
  auto r = reconciler.Run(server.id, {});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(OpenRestores().empty());
}

// A removed server's port range is free again (another server on the same manager may hand out
// its ports now): what that range lists is not the removed server's, so a reconciliation of it
// (an old id typed into `server reconcile`) removes nothing.
TEST_F(ReconcileTest, ARemovedServerIsNotReconciled) {
  Server gone = AddServer(50, "gone.example.com");
  usecases::ServerDrain drain(*store, backends, secrets, clock);
  ASSERT_TRUE(drain.Remove(gone.id).ok());
  Key k = ActiveKey(1);
  ASSERT_EQ(k.server_id, server.id);
  usecases::Reconciler reconciler(*store, backends, clock);
  auto r = reconciler.Run(gone.id, {});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(backend.Has(k.remote_name));
}

TEST_F(ReconcileTest, AnUnknownServerIsNotFound) {
  usecases::Reconciler reconciler(*store, backends, clock);
  EXPECT_EQ(reconciler.Run(server.id + 100, {}).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vpnhub
