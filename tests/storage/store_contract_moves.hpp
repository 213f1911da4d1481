#pragma once
// Store contract: keys moved off a drained server (KeyStore::InsertKeyMove, FinishKeyMove,
// KeysNotMoved, KeyMoveCountsOf) and removed servers (CatalogStore::RemoveServer). Part of
// store_contract.hpp.
#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, AKeyMovesAtMostOnceAndItsMoveFinishesOnce) {
  Id loc = AddLocation("nl");
  Id a = AddServer(loc, "nl-a");
  Id b = AddServer(loc, "nl-b");
  Id user = AddUser(1);
  Id old1 = AddKey(MakeKey(user, a, 0, KeyState::kActive));
  Id old2 = AddKey(MakeKey(user, a, 1, KeyState::kActive));
  Id pending = AddKey(MakeKey(user, a, 2, KeyState::kPending));
  Id new1 = AddKey(MakeKey(user, b, 0, KeyState::kPending));
  Id new2 = AddKey(MakeKey(user, b, 1, KeyState::kPending));

  auto not_moved =
      InRead([&](ports::StoreTx& tx) { return tx.keys().KeysNotMoved(a, KeyState::kActive, 100); });
  ASSERT_TRUE(IsOk(not_moved));
  ASSERT_EQ(not_moved->size(), 2u);
  EXPECT_EQ((*not_moved)[0].id, old1);
  EXPECT_EQ((*not_moved)[1].id, old2);

  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.keys().InsertKeyMove(old1, new1, At(10)); })));
  // Neither the old key nor the new one can be in a second move; the transaction stays usable.
  Status second = store_->Write([&](ports::StoreTx& tx) -> Status {
    Status again = tx.keys().InsertKeyMove(old1, new2, At(11));
    EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
    Status reused = tx.keys().InsertKeyMove(old2, new1, At(11));
    EXPECT_EQ(reused.code(), StatusCode::kAlreadyExists);
    return tx.keys().InsertKeyMove(old2, new2, At(11));
  });
  ASSERT_TRUE(IsOk(second));

  not_moved =
      InRead([&](ports::StoreTx& tx) { return tx.keys().KeysNotMoved(a, KeyState::kActive, 100); });
  ASSERT_TRUE(IsOk(not_moved));
  EXPECT_TRUE(not_moved->empty());
  auto pending_left = InRead(
      [&](ports::StoreTx& tx) { return tx.keys().KeysNotMoved(a, KeyState::kPending, 100); });
  ASSERT_TRUE(IsOk(pending_left));
  ASSERT_EQ(pending_left->size(), 1u);
  EXPECT_EQ(pending_left->front().id, pending);

  auto counts = InRead([&](ports::StoreTx& tx) { return tx.keys().KeyMoveCountsOf(a); });
  ASSERT_TRUE(IsOk(counts));
  EXPECT_EQ(counts->waiting, 2);
  EXPECT_EQ(counts->done, 0);

  auto finished = InWrite([&](ports::StoreTx& tx) { return tx.keys().FinishKeyMove(new1); });
  ASSERT_TRUE(IsOk(finished));
  ASSERT_TRUE(finished->has_value());
  EXPECT_EQ(**finished, old1);
  auto again = InWrite([&](ports::StoreTx& tx) { return tx.keys().FinishKeyMove(new1); });
  ASSERT_TRUE(IsOk(again));
  EXPECT_FALSE(again->has_value());  // finished once
  auto none = InWrite([&](ports::StoreTx& tx) { return tx.keys().FinishKeyMove(old2); });
  ASSERT_TRUE(IsOk(none));
  EXPECT_FALSE(none->has_value());  // old2 replaces nothing
  // Only a finished move names the key that replaced the old one.
  auto moved_to = InRead([&](ports::StoreTx& tx) { return tx.keys().KeyMovedTo(old1); });
  ASSERT_TRUE(IsOk(moved_to));
  EXPECT_EQ(moved_to->value_or(0), new1);
  auto not_yet = InRead([&](ports::StoreTx& tx) { return tx.keys().KeyMovedTo(old2); });
  ASSERT_TRUE(IsOk(not_yet));
  EXPECT_FALSE(not_yet->has_value());

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(new2, KeyState::kPending, KeyState::kFailed, At(12), "x");
  })));
  counts = InRead([&](ports::StoreTx& tx) { return tx.keys().KeyMoveCountsOf(a); });
  ASSERT_TRUE(IsOk(counts));
  EXPECT_EQ(counts->done, 1);
  EXPECT_EQ(counts->waiting, 0);
  EXPECT_EQ(counts->failed, 1);
  counts = InRead([&](ports::StoreTx& tx) { return tx.keys().KeyMoveCountsOf(b); });
  ASSERT_TRUE(IsOk(counts));
  EXPECT_EQ(counts->done + counts->waiting + counts->failed, 0);
}

TEST_P(StoreContract, ARemovedServerLeavesTheListsButKeepsItsRow) {
  Id loc = AddLocation("nl");
  Id a = AddServer(loc, "nl-a");
  Id b = AddServer(loc, "nl-b");
  Id user = AddUser(1);
  Id revoked = AddKey(MakeKey(user, a, 0, KeyState::kRevoked));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.catalog().RemoveServer(a, "nl-a [removed]", At(5)); })));
  auto all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(std::nullopt); });
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().id, b);
  auto of_loc = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(loc); });
  ASSERT_TRUE(IsOk(of_loc));
  EXPECT_EQ(of_loc->size(), 1u);
  auto row = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(a); });
  ASSERT_TRUE(IsOk(row));
  EXPECT_EQ(row->name, "nl-a [removed]");
  EXPECT_FALSE(row->enabled);
  EXPECT_EQ(GetKey(revoked).server_id, a);
  // Its old name is free; removing it again, or an unknown server, is kNotFound.
  AddServer(loc, "nl-a");
  Status twice = store_->Write(
      [&](ports::StoreTx& tx) { return tx.catalog().RemoveServer(a, "other", At(6)); });
  EXPECT_EQ(twice.code(), StatusCode::kNotFound);
  Status unknown = store_->Write(
      [&](ports::StoreTx& tx) { return tx.catalog().RemoveServer(a + 100, "x", At(6)); });
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  // A taken name is kAlreadyExists and changes nothing.
  Status taken = store_->Write(
      [&](ports::StoreTx& tx) { return tx.catalog().RemoveServer(b, "nl-a", At(7)); });
  EXPECT_EQ(taken.code(), StatusCode::kAlreadyExists);
  all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(std::nullopt); });
  ASSERT_TRUE(IsOk(all));
  EXPECT_EQ(all->size(), 2u);
}

}  // namespace vpnhub::storage
