#pragma once
// Store contract: undoing a failure for good (a failed key provisioned anew, a trial given
// back). Part of store_contract.hpp.
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, GiveTrialBackIsCompareAndSet) {
  Id id = AddUser(5);
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.users().GiveTrialBack(id); }),
              StatusCode::kFailedPrecondition));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(id); })));
  EXPECT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().GiveTrialBack(id); })));
  EXPECT_FALSE(GetUser(id).trial_used);
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.users().GiveTrialBack(id); }),
              StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.users().GiveTrialBack(id + 99); }),
              StatusCode::kNotFound));
  // Given back, the trial can be taken again.
  EXPECT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(id); })));
  EXPECT_TRUE(GetUser(id).trial_used);
}

TEST_P(StoreContract, ReviveFailedKeyTakesTheGivenSlotAgain) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Key failed = MakeKey(user, server, 2, KeyState::kFailed);
  failed.last_error = "manager did not answer";
  Id id = AddKey(failed);

  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.keys().ReviveFailedKey(id, 2, At(9)); })));
  Key k = GetKey(id);
  EXPECT_EQ(k.state, KeyState::kPending);
  EXPECT_EQ(k.slot, 2);
  EXPECT_EQ(k.last_error, "");
  EXPECT_EQ(k.updated_at, At(9));
  EXPECT_EQ(k.remote_name, failed.remote_name);
  EXPECT_EQ(k.secret, failed.secret);
  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  EXPECT_EQ(*slots, (std::vector<int>{2}));

  // Only a failed key is revived; an unknown one is kNotFound.
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.keys().ReviveFailedKey(id, 3, At(10)); }),
      StatusCode::kConflict));
  EXPECT_EQ(GetKey(id).slot, 2);
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().ReviveFailedKey(id + 99, 3, At(10));
  }),
                      StatusCode::kNotFound));
}

TEST_P(StoreContract, ReviveFailedKeyOnAHeldSlotIsAlreadyExistsAndKeepsTheTransaction) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id failed = AddKey(MakeKey(user, server, 0, KeyState::kFailed));
  AddKey(MakeKey(user, server, 0, KeyState::kActive));  // took slot 0 since

  Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
    Status taken = tx.keys().ReviveFailedKey(failed, 0, At(5));
    if (taken.code() != StatusCode::kAlreadyExists) {
      return Internal("expected kAlreadyExists, got " + taken.ToString());
    }
    // The same transaction goes on: the next free slot.
    return tx.keys().ReviveFailedKey(failed, 1, At(5));
  });
  ASSERT_TRUE(IsOk(st));
  Key k = GetKey(failed);
  EXPECT_EQ(k.state, KeyState::kPending);
  EXPECT_EQ(k.slot, 1);
  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  EXPECT_EQ(*slots, (std::vector<int>{0, 1}));
}

TEST_P(StoreContract, AwaitingIsKeptAndTakenOnce) {
  Id id = AddUser(6);
  EXPECT_EQ(GetUser(id).awaiting, "");
  const Time until = FromUnixMs(1'700'000'000'000);
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.users().SetAwaiting(id, "p:1.3", until); })));
  EXPECT_EQ(GetUser(id).awaiting, "p:1.3");
  EXPECT_EQ(GetUser(id).awaiting_until, until);
  auto take = [&](const std::string& what) {
    bool taken = false;
    Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(taken, tx.users().TakeAwaiting(id, what));
      return Status::Ok();
    });
    EXPECT_TRUE(IsOk(st));
    return taken;
  };
  EXPECT_FALSE(take("p:1.6"));  // something else is awaited
  EXPECT_FALSE(take(""));
  EXPECT_TRUE(take("p:1.3"));
  EXPECT_FALSE(take("p:1.3"));  // taken once
  EXPECT_EQ(GetUser(id).awaiting, "");
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.users().SetAwaiting(id, "e:2.1", until); })));
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.users().SetAwaiting(id, "", until); })));
  EXPECT_EQ(GetUser(id).awaiting, "");
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.users().SetAwaiting(id + 99, "x", until);
  }),
                      StatusCode::kNotFound));
}

}  // namespace vpnhub::storage
