#pragma once
// Store contract: the retention purge (done tasks, sent and failed messages) and the counts behind
// the statistics (maintained user and key counters, CountMessages).
#include <map>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, PurgeDoneTasksDeletesOnlyDoneTasksSettledBeforeTheCutoffOldestFirst) {
  Id done_10 = Enqueue(TaskKind::kRevokeKey, 1, At(0));
  Id done_20 = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id done_30 = Enqueue(TaskKind::kRevokeKey, 3, At(0));
  Id failed = Enqueue(TaskKind::kRevokeKey, 4, At(0));
  Id pending = Enqueue(TaskKind::kProvisionKey, 5, At(0));
  Id running = Enqueue(TaskKind::kProvisionKey, 6, At(0));
  Finish(done_20, TaskState::kDone, At(20));  // settled out of id order
  Finish(done_10, TaskState::kDone, At(10));
  Finish(done_30, TaskState::kDone, At(30));
  Finish(failed, TaskState::kFailed, At(5));  // a dead letter older than everything
  ClaimOrFail(running, At(1));

  auto purge = [&](Time before, int limit) {
    auto n = InWrite(
        [&](ports::StoreTx& tx) { return tx.housekeeping().PurgeDoneTasks(before, limit); });
    EXPECT_TRUE(IsOk(n));
    return n.ok() ? *n : -1;
  };
  auto exists = [&](Id id) {
    return InRead([&](ports::StoreTx& tx) { return tx.tasks().GetTask(id); }).ok();
  };
  EXPECT_EQ(purge(At(25), 1), 1);
  EXPECT_FALSE(exists(done_10)) << "the oldest settled goes first";
  EXPECT_TRUE(exists(done_20));
  EXPECT_EQ(purge(At(25), 10), 1);
  EXPECT_FALSE(exists(done_20));
  EXPECT_EQ(purge(At(25), 10), 0);
  EXPECT_EQ(purge(At(30), 10), 0) << "settled exactly at the cutoff is kept";
  for (Id id : {done_30, failed, pending, running}) EXPECT_TRUE(exists(id)) << id;
  EXPECT_EQ(purge(At(1000), 10), 1);
  for (Id id : {failed, pending, running}) EXPECT_TRUE(exists(id)) << id;
  EXPECT_EQ(GetTask(failed).state, TaskState::kFailed);
}

TEST_P(StoreContract, PurgeSettledMessagesDeletesSentAndFailedBeforeTheCutoff) {
  Id sent = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  Id failed = AddMessage(MakeMessage(2, MessagePriority::kReply, At(0)));
  Id sending = AddMessage(MakeMessage(3, MessagePriority::kReply, At(0)));
  Id dropped = AddMessage(MakeMessage(4, MessagePriority::kBulk, At(500)));
  Id pending = AddMessage(MakeMessage(5, MessagePriority::kBulk, At(500)));
  ASSERT_EQ(ClaimMessageIds(At(1), 3), (std::vector<Id>{sent, failed, sending}));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(sent, At(10)); })));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.messages().FailMessage(failed, "x", At(12)); })));
  auto n_dropped = InWrite(
      [&](ports::StoreTx& tx) { return tx.messages().DropPendingMessages(4, "blocked", At(14)); });
  ASSERT_TRUE(IsOk(n_dropped));
  ASSERT_EQ(*n_dropped, 1);

  auto purge = [&](Time before, int limit) {
    auto n = InWrite(
        [&](ports::StoreTx& tx) { return tx.housekeeping().PurgeSettledMessages(before, limit); });
    EXPECT_TRUE(IsOk(n));
    return n.ok() ? *n : -1;
  };
  auto exists = [&](Id id) {
    return InRead([&](ports::StoreTx& tx) { return tx.messages().GetMessage(id); }).ok();
  };
  EXPECT_EQ(purge(At(13), 10), 2);
  EXPECT_FALSE(exists(sent));
  EXPECT_FALSE(exists(failed));
  for (Id id : {dropped, sending, pending}) EXPECT_TRUE(exists(id)) << id;
  EXPECT_EQ(purge(At(100000), 10), 1);
  EXPECT_FALSE(exists(dropped));
  EXPECT_EQ(GetMessage(sending).state, MessageState::kSending);
  EXPECT_EQ(GetMessage(pending).state, MessageState::kPending);
}

TEST_P(StoreContract, PurgeAndFoldAreWritesAndCountMessagesIsARead) {
  AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  AddMessage(MakeMessage(2, MessagePriority::kReply, At(0)));
  AddMessage(MakeMessage(3, MessagePriority::kReply, At(0)));
  ASSERT_EQ(ClaimMessageIds(At(1), 1).size(), 1u);
  Status read = store_->Read([&](ports::StoreTx& tx) -> Status {
    EXPECT_FALSE(tx.housekeeping().PurgeDoneTasks(At(100), 10).ok());
    EXPECT_FALSE(tx.housekeeping().PurgeSettledMessages(At(100), 10).ok());
    EXPECT_FALSE(tx.housekeeping().FoldStatCounters().ok());
    auto pending = tx.messages().CountMessages(MessageState::kPending);
    EXPECT_TRUE(IsOk(pending));
    EXPECT_EQ(pending.ok() ? *pending : -1, 2);
    auto sending = tx.messages().CountMessages(MessageState::kSending);
    EXPECT_TRUE(IsOk(sending));
    EXPECT_EQ(sending.ok() ? *sending : -1, 1);
    auto sent = tx.messages().CountMessages(MessageState::kSent);
    EXPECT_TRUE(IsOk(sent));
    EXPECT_EQ(sent.ok() ? *sent : -1, 0);
    return Status::Ok();
  });
  EXPECT_TRUE(IsOk(read));
}

// The user and key counts are maintained with every change instead of counted: they must match a
// count of the rows after inserts, single and bulk state changes, the expiry sweep's move, a
// rolled-back transaction and folds in between.
TEST_P(StoreContract, StatsCountsOfUsersAndKeysStayExactThroughEveryChange) {
  auto check = [&](const char* when) {
    auto stats = InRead([&](ports::StoreTx& tx) { return tx.housekeeping().Stats(); });
    ASSERT_TRUE(IsOk(stats)) << when;
    auto keys = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeys(ports::KeyFilter{}); });
    ASSERT_TRUE(IsOk(keys)) << when;
    std::map<KeyState, std::int64_t> counted;
    for (const Key& k : *keys) ++counted[k.state];
    EXPECT_EQ(stats->keys_by_state, counted) << when;
    auto users = InRead([&](ports::StoreTx& tx) { return tx.users().ListUsers(0, 1000); });
    ASSERT_TRUE(IsOk(users)) << when;
    EXPECT_EQ(stats->users, static_cast<std::int64_t>(users->size())) << when;
  };
  auto fold = [&] {
    ASSERT_TRUE(IsOk(
        store_->Write([](ports::StoreTx& tx) { return tx.housekeeping().FoldStatCounters(); })));
  };
  check("empty");
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 20);
  Id u1 = AddUser(1);
  Id u2 = AddUser(2);
  std::vector<Id> keys;
  for (int slot = 0; slot < 6; ++slot) {
    keys.push_back(AddKey(MakeKey(slot % 2 == 0 ? u1 : u2, server, slot,
                                  slot < 4 ? KeyState::kActive : KeyState::kPending,
                                  slot < 2 ? At(10) : At(100000))));
  }
  check("inserted");
  fold();
  check("folded");
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(keys[4], KeyState::kPending, KeyState::kActive, At(1), "");
  })));
  check("one key activated");
  auto moved = InWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeysState({keys[2], keys[3], keys[5]}, KeyState::kActive,
                                     KeyState::kRevoking, At(2), "");
  });
  ASSERT_TRUE(IsOk(moved));
  EXPECT_EQ(moved->size(), 2u);  // keys[5] is still pending
  check("two keys revoking");
  auto expired =
      InWrite([&](ports::StoreTx& tx) { return tx.keys().ExpireDueKeys(At(50), 100, 0); });
  ASSERT_TRUE(IsOk(expired));
  EXPECT_EQ(expired->size(), 2u);
  check("swept");
  fold();
  fold();
  check("folded twice");
  Status rolled_back = store_->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.users().InsertUser(MakeUser(3)).status());
    VPNHUB_RETURN_IF_ERROR(
        tx.keys().UpdateKeyState(keys[5], KeyState::kPending, KeyState::kFailed, At(3), "x"));
    return Internal("changed my mind");
  });
  EXPECT_EQ(rolled_back.code(), StatusCode::kInternal);
  check("rolled back");
  // Inserts refused for a taken value, in a transaction that commits anyway, count nothing.
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) -> Status {
    EXPECT_EQ(tx.users().InsertUser(MakeUser(1)).status().code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(tx.keys().InsertKey(MakeKey(u1, server, 1)).status().code(),
              StatusCode::kAlreadyExists);
    return Status::Ok();
  })));
  check("refused inserts");
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(keys[0], KeyState::kRevoking, KeyState::kRevoked, At(4), "");
  })));
  AddUser(4);
  check("revoked and one more user");
  fold();
  check("folded again");
}

}  // namespace vpnhub::storage
