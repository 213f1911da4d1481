#pragma once
// Store contract: what the reconciliation of a server reads and writes
// (core/usecases/reconcile.hpp): its keys page by page, and one open restore_key per key. Part
// of store_contract.hpp.
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, SlotKeysPagesWalkTheSlotHoldersOfOneServerBySlot) {
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

  auto slots_of = [&](int after, int limit) {
    std::vector<int> slots;
    auto page = InRead(
        [&](ports::StoreTx& tx) { return tx.keys().ListSlotKeysPage(server, after, limit); });
    EXPECT_TRUE(IsOk(page));
    if (!page.ok()) return slots;
    for (const Key& k : *page) {
      EXPECT_EQ(k.server_id, server);
      slots.push_back(k.slot);
    }
    return slots;
  };
  EXPECT_EQ(slots_of(-1, 2), (std::vector<int>{2, 5}));
  EXPECT_EQ(slots_of(5, 2), (std::vector<int>{7}));
  EXPECT_EQ(slots_of(7, 2), (std::vector<int>{}));
  EXPECT_EQ(slots_of(-1, 100), (std::vector<int>{2, 5, 7}));
  auto page = InRead([&](ports::StoreTx& tx) { return tx.keys().ListSlotKeysPage(server, 1, 1); });
  ASSERT_TRUE(IsOk(page));
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].state, KeyState::kActive);  // the whole key comes back
  EXPECT_EQ((*page)[0].user_id, user);
}

TEST_P(StoreContract, EnqueueTaskOnceKeepsOneOpenRestorePerKey) {
  auto once = [&](Id subject) {
    return InWrite([&](ports::StoreTx& tx) {
      return tx.tasks().EnqueueTaskOnce(TaskKind::kRestoreKey, subject, At(0));
    });
  };
  auto first = once(11);
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(first->has_value());
  auto again = once(11);
  ASSERT_TRUE(IsOk(again));
  EXPECT_FALSE(again->has_value());
  auto other = once(12);
  ASSERT_TRUE(IsOk(other));
  EXPECT_TRUE(other->has_value());
  // Two in one transaction: the second leaves the transaction usable.
  auto both = InWrite([&](ports::StoreTx& tx) -> Result<std::optional<Id>> {
    VPNHUB_ASSIGN_OR_RETURN(auto a, tx.tasks().EnqueueTaskOnce(TaskKind::kRestoreKey, 13, At(0)));
    if (!a) return Internal("the first should be queued");
    return tx.tasks().EnqueueTaskOnce(TaskKind::kRestoreKey, 13, At(0));
  });
  ASSERT_TRUE(IsOk(both));
  EXPECT_FALSE(both->has_value());

  // Running counts as open; once done, a new one may be queued.
  auto claimed = InWrite([&](ports::StoreTx& tx) {
    return tx.tasks().ClaimTask(**first, At(1), std::chrono::seconds(60));
  });
  ASSERT_TRUE(IsOk(claimed));
  ASSERT_TRUE(claimed->has_value());
  auto while_running = once(11);
  ASSERT_TRUE(IsOk(while_running));
  EXPECT_FALSE(while_running->has_value());
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(**first, At(2)); })));
  auto after_done = once(11);
  ASSERT_TRUE(IsOk(after_done));
  EXPECT_TRUE(after_done->has_value());

  // Other kinds have no open-task index: refused.
  auto refused = InWrite([&](ports::StoreTx& tx) {
    return tx.tasks().EnqueueTaskOnce(TaskKind::kSyncKey, 11, At(0));
  });
  EXPECT_TRUE(HasCode(refused, StatusCode::kInvalidArgument));
}

}  // namespace vpnhub::storage
