#pragma once
// Store contract: keys. Part of store_contract.hpp.
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, InsertedKeyRoundTrips) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Key k = MakeKey(user, server, 3, KeyState::kPending, At(7200));
  k.traffic_limit_bytes = 5'000'000'000;
  k.is_trial = true;
  k.notified_flags = 6;
  k.last_error = "none yet";
  k.created_at = At(1);
  k.updated_at = At(2);
  Id id = AddKey(k);
  ASSERT_GT(id, 0);

  Key got = GetKey(id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.user_id, user);
  EXPECT_EQ(got.server_id, server);
  EXPECT_EQ(got.remote_name, k.remote_name);
  EXPECT_EQ(got.slot, 3);
  EXPECT_EQ(got.secret, k.secret);
  EXPECT_EQ(got.state, KeyState::kPending);
  EXPECT_EQ(got.expires_at, At(7200));
  EXPECT_EQ(got.traffic_limit_bytes, 5'000'000'000);
  EXPECT_TRUE(got.is_trial);
  EXPECT_EQ(got.notified_flags, 6);
  EXPECT_EQ(got.last_error, "none yet");
  EXPECT_EQ(got.created_at, At(1));
  EXPECT_EQ(got.updated_at, At(2));

  auto missing = InRead([&](ports::StoreTx& tx) { return tx.keys().GetKey(id + 1000); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, AKeysRemoteDataIsStoredAndReadBack) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Key k = MakeKey(user, server, 0, KeyState::kPending);
  EXPECT_EQ(GetKey(AddKey(k)).remote_data, "");
  k = MakeKey(user, server, 1, KeyState::kPending);
  k.remote_name = "with-data";
  k.remote_data = "[Interface]\nJc = 4\n";
  Id id = AddKey(k);
  EXPECT_EQ(GetKey(id).remote_data, k.remote_data);
  const std::string config = "{\"id\":\"c1\",\"conf\":\"[Interface]\\nH1 = 1\"}";
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.keys().SetKeyRemoteData(id, config); })));
  EXPECT_EQ(GetKey(id).remote_data, config);
  EXPECT_EQ(GetKey(id).state, KeyState::kPending);  // nothing else changes
  const Status missing = store_->Write(
      [&](ports::StoreTx& tx) { return tx.keys().SetKeyRemoteData(id + 1000, "x"); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, HeldSlotIsAlreadyExistsUntilTheKeyLetsGo) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id other_server = AddServer(loc, "nl-2");
  Id user = AddUser(1);
  Id holder = AddKey(MakeKey(user, server, 0, KeyState::kActive));

  for (KeyState state : {KeyState::kPending, KeyState::kActive, KeyState::kRevoking}) {
    auto taken = InWrite(
        [&](ports::StoreTx& tx) { return tx.keys().InsertKey(MakeKey(user, server, 0, state)); });
    EXPECT_TRUE(HasCode(taken, StatusCode::kAlreadyExists)) << KeyStateName(state);
  }
  // A key that does not hold a slot may carry the same slot number (history).
  AddKey(MakeKey(user, server, 0, KeyState::kRevoked));
  // The same slot on another server is free.
  AddKey(MakeKey(user, other_server, 0, KeyState::kActive));

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(holder, KeyState::kActive, KeyState::kRevoked, At(10), "");
  })));
  Id reuse = AddKey(MakeKey(user, server, 0, KeyState::kPending));
  ASSERT_GT(reuse, 0);

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(reuse, KeyState::kPending, KeyState::kFailed, At(11), "boom");
  })));
  EXPECT_GT(AddKey(MakeKey(user, server, 0, KeyState::kPending)), 0);
}

TEST_P(StoreContract, KeyReenteringASlotHoldingStateNeedsItsSlotFree) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id old_key = AddKey(MakeKey(user, server, 0, KeyState::kFailed));
  Id holder = AddKey(MakeKey(user, server, 0, KeyState::kActive));

  Status taken = store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(old_key, KeyState::kFailed, KeyState::kPending, At(5), "");
  });
  EXPECT_FALSE(taken.ok());
  EXPECT_EQ(GetKey(old_key).state, KeyState::kFailed);

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(holder, KeyState::kActive, KeyState::kRevoked, At(6), "");
  })));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(old_key, KeyState::kFailed, KeyState::kPending, At(7), "");
  })));
  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  EXPECT_EQ(*slots, (std::vector<int>{0}));
  auto s = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(server); });
  ASSERT_TRUE(IsOk(s));
  EXPECT_EQ(s->used_slots, 1);
}

TEST_P(StoreContract, RemoteNameIsUniquePerServer) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id other_server = AddServer(loc, "nl-2");
  Id user = AddUser(1);
  Key first = MakeKey(user, server, 0, KeyState::kRevoked);
  first.remote_name = "vpnhub-1-abc";
  AddKey(first);

  Key same_name = MakeKey(user, server, 1, KeyState::kPending);
  same_name.remote_name = "vpnhub-1-abc";
  auto dup = InWrite([&](ports::StoreTx& tx) { return tx.keys().InsertKey(same_name); });
  EXPECT_TRUE(HasCode(dup, StatusCode::kAlreadyExists));

  same_name.server_id = other_server;
  EXPECT_GT(AddKey(same_name), 0);
}

TEST_P(StoreContract, HeldSlotsAreAscendingAndOnlySlotHolders) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id other = AddServer(loc, "nl-2");
  Id user = AddUser(1);
  AddKey(MakeKey(user, server, 7, KeyState::kRevoking));
  AddKey(MakeKey(user, server, 2, KeyState::kActive));
  AddKey(MakeKey(user, server, 5, KeyState::kPending));
  AddKey(MakeKey(user, server, 1, KeyState::kRevoked));
  AddKey(MakeKey(user, server, 3, KeyState::kFailed));
  AddKey(MakeKey(user, other, 4, KeyState::kActive));

  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  EXPECT_EQ(*slots, (std::vector<int>{2, 5, 7}));
  auto empty = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(other + 1); });
  ASSERT_TRUE(IsOk(empty));
  EXPECT_TRUE(empty->empty());
}

TEST_P(StoreContract, ListKeysFiltersNewestFirst) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id alice = AddUser(1);
  Id bob = AddUser(2);
  Id a1 = AddKey(MakeKey(alice, server, 0, KeyState::kActive));
  Id b1 = AddKey(MakeKey(bob, server, 1, KeyState::kActive));
  Id a2 = AddKey(MakeKey(alice, server, 2, KeyState::kRevoked));
  Id a3 = AddKey(MakeKey(alice, server, 3, KeyState::kActive));

  auto ids = [&](const ports::KeyFilter& f) {
    std::vector<Id> out;
    auto keys = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeys(f); });
    EXPECT_TRUE(IsOk(keys));
    if (keys.ok()) {
      for (const Key& k : *keys) out.push_back(k.id);
    }
    return out;
  };
  ports::KeyFilter all;
  EXPECT_EQ(ids(all), (std::vector<Id>{a3, a2, b1, a1}));
  ports::KeyFilter of_alice;
  of_alice.user_id = alice;
  EXPECT_EQ(ids(of_alice), (std::vector<Id>{a3, a2, a1}));
  ports::KeyFilter active;
  active.state = KeyState::kActive;
  EXPECT_EQ(ids(active), (std::vector<Id>{a3, b1, a1}));
  ports::KeyFilter alice_active;
  alice_active.user_id = alice;
  alice_active.state = KeyState::kActive;
  EXPECT_EQ(ids(alice_active), (std::vector<Id>{a3, a1}));
  ports::KeyFilter limited;
  limited.limit = 2;
  EXPECT_EQ(ids(limited), (std::vector<Id>{a3, a2}));
}

TEST_P(StoreContract, UpdateKeyStateIsCompareAndSet) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id id = AddKey(MakeKey(user, server, 0, KeyState::kPending));

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(id, KeyState::kPending, KeyState::kActive, At(30), "");
  })));
  Key k = GetKey(id);
  EXPECT_EQ(k.state, KeyState::kActive);
  EXPECT_EQ(k.updated_at, At(30));
  EXPECT_EQ(k.last_error, "");

  Status lost = store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(id, KeyState::kPending, KeyState::kFailed, At(40), "late");
  });
  EXPECT_TRUE(HasCode(lost, StatusCode::kConflict));
  k = GetKey(id);
  EXPECT_EQ(k.state, KeyState::kActive);
  EXPECT_EQ(k.updated_at, At(30));

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(id, KeyState::kActive, KeyState::kRevoking, At(50), "expired");
  })));
  k = GetKey(id);
  EXPECT_EQ(k.state, KeyState::kRevoking);
  EXPECT_EQ(k.last_error, "expired");
  EXPECT_EQ(k.updated_at, At(50));

  Status missing = store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(id + 100, KeyState::kActive, KeyState::kRevoking, At(60), "");
  });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, DueForExpiryIsActiveAndDueEarliestFirst) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 100);
  Id user = AddUser(1);
  const Time now = At(1000);
  Id due_late = AddKey(MakeKey(user, server, 0, KeyState::kActive, At(900)));
  Id due_exact = AddKey(MakeKey(user, server, 1, KeyState::kActive, now));
  Id due_early = AddKey(MakeKey(user, server, 2, KeyState::kActive, At(100)));
  AddKey(MakeKey(user, server, 3, KeyState::kActive, At(1001)));   // not yet
  AddKey(MakeKey(user, server, 4, KeyState::kPending, At(100)));   // not active
  AddKey(MakeKey(user, server, 5, KeyState::kRevoking, At(100)));  // already going
  AddKey(MakeKey(user, server, 6, KeyState::kRevoked, At(100)));
  AddKey(MakeKey(user, server, 7, KeyState::kFailed, At(100)));

  auto due = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForExpiry(now, 100); });
  ASSERT_TRUE(IsOk(due));
  std::vector<Id> ids;
  for (const Key& k : *due) ids.push_back(k.id);
  EXPECT_EQ(ids, (std::vector<Id>{due_early, due_late, due_exact}));

  auto limited = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForExpiry(now, 2); });
  ASSERT_TRUE(IsOk(limited));
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[0].id, due_early);
  EXPECT_EQ((*limited)[1].id, due_late);

  auto before =
      InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForExpiry(At(50), 100); });
  ASSERT_TRUE(IsOk(before));
  EXPECT_TRUE(before->empty());
}

TEST_P(StoreContract, ExpireDueKeysMovesDueKeysQueuesTheirRevokesAndReturnsThemAsTheyWere) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 100);
  Id user = AddUser(1);
  const Time now = At(1000);
  Key late = MakeKey(user, server, 0, KeyState::kActive, At(900));
  late.notified_flags = kNotice3Days;
  late.next_notice_at = At(950);
  Id due_late = AddKey(late);
  Id due_early = AddKey(MakeKey(user, server, 1, KeyState::kActive, At(100)));
  Id due_exact = AddKey(MakeKey(user, server, 2, KeyState::kActive, now));
  Id not_yet = AddKey(MakeKey(user, server, 3, KeyState::kActive, At(1001)));
  Id pending = AddKey(MakeKey(user, server, 4, KeyState::kPending, At(100)));

  auto first = InWrite([&](ports::StoreTx& tx) { return tx.keys().ExpireDueKeys(now, 2, 7); });
  ASSERT_TRUE(IsOk(first));
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, due_early);
  EXPECT_EQ((*first)[1].id, due_late);
  // As they were: still active, with the old flags.
  EXPECT_EQ((*first)[1].state, KeyState::kActive);
  EXPECT_EQ((*first)[1].notified_flags, kNotice3Days);

  Key moved = GetKey(due_late);
  EXPECT_EQ(moved.state, KeyState::kRevoking);
  EXPECT_EQ(moved.last_error, "expired");
  EXPECT_EQ(moved.updated_at, now);
  EXPECT_EQ(moved.notified_flags, 7);
  EXPECT_FALSE(moved.next_notice_at.has_value());

  auto rest = InWrite([&](ports::StoreTx& tx) { return tx.keys().ExpireDueKeys(now, 100, 4); });
  ASSERT_TRUE(IsOk(rest));
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, due_exact);
  EXPECT_EQ(GetKey(due_exact).notified_flags, 4);
  EXPECT_EQ(GetKey(not_yet).state, KeyState::kActive);
  EXPECT_EQ(GetKey(pending).state, KeyState::kPending);

  auto again = InWrite([&](ports::StoreTx& tx) { return tx.keys().ExpireDueKeys(now, 100, 7); });
  ASSERT_TRUE(IsOk(again));
  EXPECT_TRUE(again->empty());

  // One pending revoke task per moved key, due now, and nothing else.
  auto tasks = InRead([&](ports::StoreTx& tx) { return tx.tasks().ListTasks(std::nullopt, 100); });
  ASSERT_TRUE(IsOk(tasks));
  std::vector<Id> subjects;
  for (const Task& t : *tasks) {
    EXPECT_EQ(t.kind, TaskKind::kRevokeKey);
    EXPECT_EQ(t.state, TaskState::kPending);
    EXPECT_EQ(t.next_attempt_at, now);
    subjects.push_back(t.subject_id);
  }
  std::sort(subjects.begin(), subjects.end());
  std::vector<Id> want{due_late, due_early, due_exact};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(subjects, want);

  Status in_read = store_->Read([&](ports::StoreTx& tx) {
    auto r = tx.keys().ExpireDueKeys(now, 1, 0);
    return r.ok() ? Status::Ok() : r.status();
  });
  EXPECT_TRUE(HasCode(in_read, StatusCode::kFailedPrecondition));
}

TEST_P(StoreContract, GetKeysAndUpdateKeysStateWorkOnManyKeysAtOnce) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 100);
  Id user = AddUser(1);
  Id a = AddKey(MakeKey(user, server, 0, KeyState::kRevoking, At(100)));
  Id b = AddKey(MakeKey(user, server, 1, KeyState::kActive, At(100)));
  Id c = AddKey(MakeKey(user, server, 2, KeyState::kRevoking, At(100)));

  auto got = InRead([&](ports::StoreTx& tx) { return tx.keys().GetKeys({c, a, c + 100, a}); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].id, a);
  EXPECT_EQ((*got)[1].id, c);
  EXPECT_EQ((*got)[1].slot, 2);

  auto moved = InWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeysState({c, b, a, c + 100}, KeyState::kRevoking, KeyState::kRevoked,
                                     At(7), "gone");
  });
  ASSERT_TRUE(IsOk(moved));
  EXPECT_EQ(*moved, (std::vector<Id>{a, c}));
  EXPECT_EQ(GetKey(a).state, KeyState::kRevoked);
  EXPECT_EQ(GetKey(a).last_error, "gone");
  EXPECT_EQ(GetKey(a).updated_at, At(7));
  EXPECT_EQ(GetKey(b).state, KeyState::kActive);  // not in `from`: untouched
  EXPECT_EQ(GetKey(c).state, KeyState::kRevoked);
  // revoked -> revoking would re-take a slot: only the one-key method may do that.
  auto refused = InWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeysState({a}, KeyState::kRevoked, KeyState::kActive, At(8), "");
  });
  EXPECT_TRUE(HasCode(refused, StatusCode::kInvalidArgument));
  auto none = InWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeysState({}, KeyState::kActive, KeyState::kRevoking, At(8), "");
  });
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
}

}  // namespace vpnhub::storage
