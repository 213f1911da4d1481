#pragma once
// Store contract: subscription links (migration 0017). RotateSubscription bumps sub_version; the
// change feed gets a row, in the same transaction, for every change that alters what a
// subscription shows (a key's state, expiry, remote data; a new key; a server's health or enabled
// flag; a location's name; a rotation) and none for a change that does not (a key's notice
// flags); purging deletes by id.
#include <optional>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, SubscriptionChangeFeedRecordsWhatASubscriptionShows) {
  const Id loc = AddLocation("de");
  const Id server = AddServer(loc, "s1");
  const Id alice = AddUser(1);
  const Id bob = AddUser(2);
  std::int64_t seen = 0;
  // The rows after the last ones read: their user ids (0 for a catalogue change).
  auto changes = [&]() {
    auto rows =
        InRead([&](ports::StoreTx& tx) { return tx.users().SubscriptionChangesAfter(seen, 1000); });
    EXPECT_TRUE(IsOk(rows));
    std::vector<Id> out;
    if (!rows.ok()) return out;
    for (const auto& r : *rows) {
      EXPECT_GT(r.id, seen);
      seen = r.id;
      out.push_back(r.user_id.value_or(0));
    }
    return out;
  };
  auto write = [&](const ports::Store::TxFn& fn) { return store_->Write(fn); };
  (void)changes();  // whatever the setup wrote
  const Id key = AddKey(MakeKey(alice, server, 0));
  EXPECT_EQ(changes(), std::vector<Id>{alice});
  EXPECT_TRUE(IsOk(write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyNotice(key, kNotice3Days, std::nullopt);
  })));
  EXPECT_EQ(changes(), std::vector<Id>{});  // nothing a subscription shows
  EXPECT_TRUE(IsOk(write([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(key, KeyState::kActive, KeyState::kRevoking, At(1), "");
  })));
  EXPECT_EQ(changes(), std::vector<Id>{alice});
  EXPECT_TRUE(IsOk(
      write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(server, false); })));
  EXPECT_EQ(changes(), std::vector<Id>{0});
  // A rotation: the version moves and the feed names the person.
  EXPECT_TRUE(IsOk(write([&](ports::StoreTx& tx) { return tx.users().RotateSubscription(bob); })));
  EXPECT_EQ(changes(), std::vector<Id>{bob});
  auto user = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(bob); });
  ASSERT_TRUE(IsOk(user));
  EXPECT_EQ(user->sub_version, 1);
  EXPECT_EQ(write([&](ports::StoreTx& tx) { return tx.users().RotateSubscription(999999); }).code(),
            StatusCode::kNotFound);
  // A rolled-back change leaves no row.
  Status rolled_back = write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.users().RotateSubscription(alice));
    return FailedPrecondition("roll back");
  });
  EXPECT_EQ(rolled_back.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(changes(), std::vector<Id>{});
  // Purging keeps the rows at and above the id given.
  EXPECT_TRUE(
      IsOk(write([&](ports::StoreTx& tx) { return tx.users().PurgeSubscriptionChanges(seen); })));
  auto left =
      InRead([&](ports::StoreTx& tx) { return tx.users().SubscriptionChangesAfter(0, 1000); });
  ASSERT_TRUE(IsOk(left));
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, seen);
}

}  // namespace vpnhub::storage
