#pragma once
// Store contract: users, locations, servers. Part of store_contract.hpp.
#include <optional>
#include <string>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, InsertedUserRoundTrips) {
  User u = MakeUser(1001);
  u.lang = "ru";
  u.referrer_id = 77;
  u.source = "utm_x";
  u.blocked_bot = true;
  u.banned = true;
  u.created_at = At(5);
  auto id = InWrite([&](ports::StoreTx& tx) { return tx.users().InsertUser(u); });
  ASSERT_TRUE(IsOk(id));
  EXPECT_GT(*id, 0);

  auto by_tg = InRead([&](ports::StoreTx& tx) { return tx.users().FindUserByTgId(1001); });
  ASSERT_TRUE(IsOk(by_tg));
  ASSERT_TRUE(by_tg->has_value());
  const User& got = **by_tg;
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.tg_id, 1001);
  EXPECT_EQ(got.username, "user1001");
  EXPECT_EQ(got.lang, "ru");
  EXPECT_EQ(got.referrer_id, std::optional<Id>(77));
  EXPECT_EQ(got.source, "utm_x");
  EXPECT_TRUE(got.blocked_bot);
  EXPECT_TRUE(got.banned);
  EXPECT_FALSE(got.trial_used);
  EXPECT_EQ(got.created_at, At(5));

  auto by_id = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(*id); });
  ASSERT_TRUE(IsOk(by_id));
  EXPECT_EQ(by_id->tg_id, 1001);
  EXPECT_EQ(by_id->referrer_id, std::optional<Id>(77));
}

TEST_P(StoreContract, UserWithoutReferrerHasNone) {
  Id id = AddUser(1);
  auto u = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(id); });
  ASSERT_TRUE(IsOk(u));
  EXPECT_FALSE(u->referrer_id.has_value());
}

TEST_P(StoreContract, MissingUserIsEmptyOrNotFound) {
  auto by_tg = InRead([&](ports::StoreTx& tx) { return tx.users().FindUserByTgId(42); });
  ASSERT_TRUE(IsOk(by_tg));
  EXPECT_FALSE(by_tg->has_value());
  auto by_id = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(42); });
  EXPECT_TRUE(HasCode(by_id, StatusCode::kNotFound));
}

TEST_P(StoreContract, GetUsersReturnsTheExistingOnesByIdOnce) {
  Id a = AddUser(101), b = AddUser(102), c = AddUser(103);
  auto got = InRead([&](ports::StoreTx& tx) { return tx.users().GetUsers({c, a, c + 100, a}); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].id, a);
  EXPECT_EQ((*got)[0].tg_id, 101);
  EXPECT_EQ((*got)[1].id, c);
  EXPECT_EQ((*got)[1].tg_id, 103);
  auto none = InRead([&](ports::StoreTx& tx) { return tx.users().GetUsers({}); });
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
  (void)b;
}

TEST_P(StoreContract, DuplicateTgIdIsAlreadyExists) {
  AddUser(7);
  auto dup = InWrite([&](ports::StoreTx& tx) { return tx.users().InsertUser(MakeUser(7)); });
  EXPECT_TRUE(HasCode(dup, StatusCode::kAlreadyExists));
  auto page = InRead([&](ports::StoreTx& tx) { return tx.users().ListUsers(0, 100); });
  ASSERT_TRUE(IsOk(page));
  EXPECT_EQ(page->size(), 1u);
}

TEST_P(StoreContract, ListUsersPagesByIdAfter) {
  std::vector<Id> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(AddUser(100 + i));
  auto first = InRead([&](ports::StoreTx& tx) { return tx.users().ListUsers(0, 2); });
  ASSERT_TRUE(IsOk(first));
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, ids[0]);
  EXPECT_EQ((*first)[1].id, ids[1]);
  auto rest = InRead([&](ports::StoreTx& tx) { return tx.users().ListUsers(ids[1], 10); });
  ASSERT_TRUE(IsOk(rest));
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[0].id, ids[2]);
  EXPECT_EQ((*rest)[2].id, ids[4]);
  auto none = InRead([&](ports::StoreTx& tx) { return tx.users().ListUsers(ids[4], 10); });
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContract, MarkTrialUsedIsCompareAndSet) {
  Id id = AddUser(5);
  EXPECT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(id); })));
  auto u = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(id); });
  ASSERT_TRUE(IsOk(u));
  EXPECT_TRUE(u->trial_used);
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(id); }),
              StatusCode::kFailedPrecondition));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(id + 99); }),
              StatusCode::kNotFound));
}

TEST_P(StoreContract, LocationNamesAreUniqueAndCaseSensitive) {
  Id nl = AddLocation("nl");
  Id big_nl = AddLocation("NL");
  EXPECT_NE(nl, big_nl);
  Location dup;
  dup.name = "nl";
  auto r = InWrite([&](ports::StoreTx& tx) { return tx.catalog().InsertLocation(dup); });
  EXPECT_TRUE(HasCode(r, StatusCode::kAlreadyExists));
}

TEST_P(StoreContract, FindAndListLocations) {
  Location de;
  de.name = "de";
  de.enabled = false;
  auto de_id = InWrite([&](ports::StoreTx& tx) { return tx.catalog().InsertLocation(de); });
  ASSERT_TRUE(IsOk(de_id));
  Id fi = AddLocation("fi");

  auto found = InRead([&](ports::StoreTx& tx) { return tx.catalog().FindLocationByName("de"); });
  ASSERT_TRUE(IsOk(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, *de_id);
  EXPECT_EQ((*found)->name, "de");
  EXPECT_FALSE((*found)->enabled);

  auto missing = InRead([&](ports::StoreTx& tx) { return tx.catalog().FindLocationByName("DE"); });
  ASSERT_TRUE(IsOk(missing));
  EXPECT_FALSE(missing->has_value());

  auto all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListLocations(); });
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, *de_id);
  EXPECT_EQ((*all)[1].id, fi);
  EXPECT_TRUE((*all)[1].enabled);
}

TEST_P(StoreContract, GetServerToCallIsTheServerWithoutItsSlotCount) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 100);
  Id user = AddUser(1);
  AddKey(MakeKey(user, server, 0, KeyState::kActive, At(100)));
  auto full = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(server); });
  auto to_call = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServerToCall(server); });
  ASSERT_TRUE(IsOk(full));
  ASSERT_TRUE(IsOk(to_call));
  EXPECT_EQ(full->used_slots, 1);
  EXPECT_EQ(to_call->used_slots, 0);
  EXPECT_EQ(to_call->id, full->id);
  EXPECT_EQ(to_call->kind, full->kind);
  EXPECT_EQ(to_call->name, full->name);
  EXPECT_EQ(to_call->settings, full->settings);
  EXPECT_EQ(to_call->public_host, full->public_host);
  EXPECT_EQ(to_call->capacity, full->capacity);
  auto missing =
      InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServerToCall(server + 100); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, InsertedServerRoundTrips) {
  Id loc = AddLocation("nl");
  Server s = MakeServer(loc, "nl-1", 25);
  s.settings["port_from"] = "20000";
  s.settings["quote\"and\\slash"] = "ünïcode \"value\"";
  s.healthy = false;
  s.created_at = At(9);
  auto id = InWrite([&](ports::StoreTx& tx) { return tx.catalog().InsertServer(s); });
  ASSERT_TRUE(IsOk(id));

  auto got = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(*id); });
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->location_id, loc);
  EXPECT_EQ(got->kind, "shadowsocks");
  EXPECT_EQ(got->name, "nl-1");
  EXPECT_EQ(got->settings, s.settings);
  EXPECT_EQ(got->public_host, "nl-1.example.com");
  EXPECT_EQ(got->capacity, 25);
  EXPECT_EQ(got->used_slots, 0);
  EXPECT_TRUE(got->enabled);
  EXPECT_FALSE(got->healthy);
  EXPECT_EQ(got->created_at, At(9));

  auto missing = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(*id + 100); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, DuplicateServerNameIsAlreadyExists) {
  Id loc = AddLocation("nl");
  AddServer(loc, "nl-1");
  auto dup = InWrite(
      [&](ports::StoreTx& tx) { return tx.catalog().InsertServer(MakeServer(loc, "nl-1", 3)); });
  EXPECT_TRUE(HasCode(dup, StatusCode::kAlreadyExists));
}

TEST_P(StoreContract, ListServersFiltersByLocationAndCountsHeldSlots) {
  Id nl = AddLocation("nl");
  Id de = AddLocation("de");
  Id nl1 = AddServer(nl, "nl-1");
  Id de1 = AddServer(de, "de-1");
  Id nl2 = AddServer(nl, "nl-2");
  Id user = AddUser(1);
  AddKey(MakeKey(user, nl1, 0, KeyState::kPending));
  AddKey(MakeKey(user, nl1, 1, KeyState::kActive));
  AddKey(MakeKey(user, nl1, 2, KeyState::kRevoking));
  AddKey(MakeKey(user, nl1, 3, KeyState::kRevoked));
  AddKey(MakeKey(user, nl1, 4, KeyState::kFailed));
  AddKey(MakeKey(user, de1, 0, KeyState::kActive));

  auto all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(std::nullopt); });
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, nl1);
  EXPECT_EQ((*all)[0].used_slots, 3);
  EXPECT_EQ((*all)[1].id, de1);
  EXPECT_EQ((*all)[1].used_slots, 1);
  EXPECT_EQ((*all)[2].id, nl2);
  EXPECT_EQ((*all)[2].used_slots, 0);

  auto in_nl = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(nl); });
  ASSERT_TRUE(IsOk(in_nl));
  ASSERT_EQ(in_nl->size(), 2u);
  EXPECT_EQ((*in_nl)[0].id, nl1);
  EXPECT_EQ((*in_nl)[1].id, nl2);
  EXPECT_EQ((*in_nl)[0].settings.at("method"), "chacha20-ietf-poly1305");

  auto one = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(nl1); });
  ASSERT_TRUE(IsOk(one));
  EXPECT_EQ(one->used_slots, 3);
}

TEST_P(StoreContract, SetServerHealthyFlipsTheFlag) {
  Id loc = AddLocation("nl");
  Id id = AddServer(loc, "nl-1");
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(id, false); })));
  auto s = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(id); });
  ASSERT_TRUE(IsOk(s));
  EXPECT_FALSE(s->healthy);
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(id, true); })));
  s = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(id); });
  ASSERT_TRUE(IsOk(s));
  EXPECT_TRUE(s->healthy);
}

TEST_P(StoreContract, RecordServerHealthStoresTheCountsAndTimes) {
  Id loc = AddLocation("nl");
  Id id = AddServer(loc, "nl-1");
  Id other = AddServer(loc, "nl-2");
  auto s = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(id); });
  ASSERT_TRUE(IsOk(s));
  EXPECT_TRUE(s->healthy);
  EXPECT_EQ(s->consecutive_failures, 0);
  EXPECT_EQ(s->consecutive_successes, 0);
  EXPECT_FALSE(s->last_check_at.has_value());
  EXPECT_FALSE(s->health_changed_at.has_value());

  Server rec = *s;
  rec.healthy = false;
  rec.consecutive_failures = 4;
  rec.consecutive_successes = 0;
  rec.last_check_at = FromUnixMs(1700000000123);
  rec.health_changed_at = FromUnixMs(1700000000001);
  rec.name = "not-stored";  // only the health fields are written
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().RecordServerHealth(rec); })));
  for (bool to_call : {false, true}) {
    s = InRead([&](ports::StoreTx& tx) {
      return to_call ? tx.catalog().GetServerToCall(id) : tx.catalog().GetServer(id);
    });
    ASSERT_TRUE(IsOk(s));
    EXPECT_FALSE(s->healthy);
    EXPECT_EQ(s->name, "nl-1");
    EXPECT_EQ(s->consecutive_failures, 4);
    EXPECT_EQ(s->consecutive_successes, 0);
    EXPECT_EQ(s->last_check_at, FromUnixMs(1700000000123));
    EXPECT_EQ(s->health_changed_at, FromUnixMs(1700000000001));
  }

  rec.healthy = true;
  rec.consecutive_failures = 0;
  rec.consecutive_successes = 2;
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().RecordServerHealth(rec); })));
  auto all = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListServers(loc); });
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE((*all)[0].healthy);
  EXPECT_EQ((*all)[0].consecutive_successes, 2);
  EXPECT_EQ((*all)[0].consecutive_failures, 0);
  EXPECT_EQ((*all)[1].id, other);  // the other server is untouched
  EXPECT_EQ((*all)[1].consecutive_successes, 0);
  EXPECT_FALSE((*all)[1].last_check_at.has_value());

  rec.id = id + other + 100;
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.catalog().RecordServerHealth(rec); }),
      StatusCode::kNotFound));
}

}  // namespace vpnhub::storage
