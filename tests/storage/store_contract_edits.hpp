#pragma once
// Store contract: what the operator's edit commands write (UpdateLocation, UpdateServer,
// SetKeyExpiry). Part of store_contract.hpp.
#include <optional>
#include <string>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, UpdateLocationRenamesAndDisables) {
  Id nl = AddLocation("nl");
  Location changed{nl, "Netherlands", false};
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().UpdateLocation(changed); })));
  auto found =
      InRead([&](ports::StoreTx& tx) { return tx.catalog().FindLocationByName("Netherlands"); });
  ASSERT_TRUE(IsOk(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, nl);
  EXPECT_FALSE((*found)->enabled);
  auto old = InRead([&](ports::StoreTx& tx) { return tx.catalog().FindLocationByName("nl"); });
  ASSERT_TRUE(IsOk(old));
  EXPECT_FALSE(old->has_value());

  Location missing{nl + 100, "x", true};
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().UpdateLocation(missing); }),
      StatusCode::kNotFound));
}

TEST_P(StoreContract, UpdateLocationToATakenNameIsAlreadyExistsAndTheTransactionGoesOn) {
  Id nl = AddLocation("nl");
  AddLocation("de");
  Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
    Status taken = tx.catalog().UpdateLocation(Location{nl, "de", true});
    EXPECT_TRUE(HasCode(taken, StatusCode::kAlreadyExists)) << taken.ToString();
    // The refusal changed nothing and the transaction is still usable.
    return tx.catalog().UpdateLocation(Location{nl, "Netherlands", true});
  });
  ASSERT_TRUE(IsOk(st));
  auto all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListLocations(); });
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Netherlands");
  EXPECT_EQ((*all)[1].name, "de");
}

TEST_P(StoreContract, UpdateServerStoresTheEditableFieldsOnly) {
  Id loc = AddLocation("nl");
  Id other_loc = AddLocation("de");
  Id server = AddServer(loc, "nl-1", 10);
  Id user = AddUser(1);
  AddKey(MakeKey(user, server, 3));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(server, false); })));

  Server edit = MakeServer(other_loc, "renamed", 40);  // location, kind, health: not edited
  edit.id = server;
  edit.settings = {{"port_from", "20000"}, {"port_to", "20039"}, {"note", "ünïcode \"q\""}};
  edit.public_host = "2001:db8::7";
  edit.enabled = false;
  edit.healthy = true;
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.catalog().UpdateServer(edit); })));

  auto got = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(server); });
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(got->name, "renamed");
  EXPECT_EQ(got->settings, edit.settings);
  EXPECT_EQ(got->public_host, "2001:db8::7");
  EXPECT_EQ(got->capacity, 40);
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->location_id, loc);
  EXPECT_FALSE(got->healthy);
  EXPECT_EQ(got->used_slots, 1);
  EXPECT_EQ(got->created_at, At(0));

  edit.id = server + 100;
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.catalog().UpdateServer(edit); }),
              StatusCode::kNotFound));
}

TEST_P(StoreContract, UpdateServerToATakenNameIsAlreadyExistsAndTheTransactionGoesOn) {
  Id loc = AddLocation("nl");
  Id a = AddServer(loc, "a", 10);
  AddServer(loc, "b", 10);
  Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
    auto server = tx.catalog().GetServer(a);
    if (!server.ok()) return server.status();
    Server edit = *server;
    edit.name = "b";
    edit.capacity = 99;
    Status taken = tx.catalog().UpdateServer(edit);
    EXPECT_TRUE(HasCode(taken, StatusCode::kAlreadyExists)) << taken.ToString();
    edit.name = "c";
    return tx.catalog().UpdateServer(edit);
  });
  ASSERT_TRUE(IsOk(st));
  auto got = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(a); });
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(got->name, "c");
  EXPECT_EQ(got->capacity, 99);
}

TEST_P(StoreContract, SetKeyExpiryIsACompareAndSetOnTheState) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 10);
  Id user = AddUser(1);
  Key key = MakeKey(user, server, 0, KeyState::kActive, At(3600));
  key.notified_flags = kNotice3Days | kNotice1Day;
  key.next_notice_at = At(3600);
  Id id = AddKey(key);

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyExpiry(id, KeyState::kActive, At(90000), 0, At(80000), At(50));
  })));
  Key got = GetKey(id);
  EXPECT_EQ(got.expires_at, At(90000));
  EXPECT_EQ(got.notified_flags, 0);
  EXPECT_EQ(got.next_notice_at, std::optional<Time>(At(80000)));
  EXPECT_EQ(got.updated_at, At(50));
  EXPECT_EQ(got.state, KeyState::kActive);
  // The notice index follows the new date.
  auto due =
      InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForNotice(At(3600), 10); });
  ASSERT_TRUE(IsOk(due));
  EXPECT_TRUE(due->empty());
  due = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForNotice(At(80000), 10); });
  ASSERT_TRUE(IsOk(due));
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, id);
  auto expiring =
      InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForExpiry(At(3600), 10); });
  ASSERT_TRUE(IsOk(expiring));
  EXPECT_TRUE(expiring->empty());

  // Another state: nothing changes.
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyExpiry(id, KeyState::kPending, At(1), 7, std::nullopt, At(60));
  }),
                      StatusCode::kConflict));
  got = GetKey(id);
  EXPECT_EQ(got.expires_at, At(90000));
  EXPECT_EQ(got.updated_at, At(50));

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyExpiry(id, KeyState::kActive, At(95000), kNotice3Days, std::nullopt,
                                  At(70));
  })));
  got = GetKey(id);
  EXPECT_EQ(got.notified_flags, kNotice3Days);
  EXPECT_FALSE(got.next_notice_at.has_value());

  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyExpiry(id + 100, KeyState::kActive, At(1), 0, std::nullopt, At(1));
  }),
                      StatusCode::kNotFound));
}

}  // namespace vpnhub::storage
