#pragma once
// Store contract: what the Telegram bot needs besides the message queue. Key notices, the users'
// bot fields, admin alert throttling, named settings, and all of it inside transactions.
// Part of store_contract.hpp.
#include <optional>
#include <string>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

// ---- keys: announce_when_ready, next_notice_at, notices

TEST_P(StoreContract, KeyBotFieldsRoundTripThroughEveryKeyRead) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Key with = MakeKey(user, server, 0, KeyState::kActive, At(100));
  with.announce_when_ready = true;
  with.notified_flags = kNotice3Days;
  with.next_notice_at = At(50);
  Id with_id = AddKey(with);
  Id without_id = AddKey(MakeKey(user, server, 1, KeyState::kActive, At(100)));

  Key got = GetKey(with_id);
  EXPECT_TRUE(got.announce_when_ready);
  EXPECT_EQ(got.notified_flags, kNotice3Days);
  EXPECT_EQ(got.next_notice_at, std::optional<Time>(At(50)));
  Key plain = GetKey(without_id);
  EXPECT_FALSE(plain.announce_when_ready);
  EXPECT_EQ(plain.notified_flags, 0);
  EXPECT_EQ(plain.next_notice_at, std::nullopt);

  auto check = [&](const std::vector<Key>& keys, const char* read) {
    bool seen = false;
    for (const Key& k : keys) {
      if (k.id != with_id) continue;
      seen = true;
      EXPECT_TRUE(k.announce_when_ready) << read;
      EXPECT_EQ(k.notified_flags, kNotice3Days) << read;
      EXPECT_EQ(k.next_notice_at, std::optional<Time>(At(50))) << read;
    }
    EXPECT_TRUE(seen) << read;
  };
  auto listed = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeys(ports::KeyFilter{}); });
  ASSERT_TRUE(IsOk(listed));
  check(*listed, "ListKeys");
  auto expiring =
      InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForExpiry(At(100), 10); });
  ASSERT_TRUE(IsOk(expiring));
  check(*expiring, "ListKeysDueForExpiry");
  auto noticed =
      InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForNotice(At(100), 10); });
  ASSERT_TRUE(IsOk(noticed));
  check(*noticed, "ListKeysDueForNotice");
}

TEST_P(StoreContract, DueForNoticeIsActiveAndDueEarliestFirst) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", 100);
  Id user = AddUser(1);
  const Time now = At(1000);
  int slot = 0;
  auto add = [&](KeyState state, std::optional<Time> notice_at) {
    Key k = MakeKey(user, server, slot++, state, At(5000));
    k.next_notice_at = notice_at;
    return AddKey(k);
  };
  Id due_late = add(KeyState::kActive, At(900));
  Id due_exact = add(KeyState::kActive, now);
  Id due_early = add(KeyState::kActive, At(100));
  Id due_early_tie = add(KeyState::kActive, At(100));
  add(KeyState::kActive, At(1001));      // not yet
  add(KeyState::kActive, std::nullopt);  // no notice pending
  add(KeyState::kPending, At(100));
  add(KeyState::kRevoking, At(100));
  add(KeyState::kRevoked, At(100));
  add(KeyState::kFailed, At(100));

  auto ids = [&](Time at, int limit) {
    std::vector<Id> out;
    auto keys =
        InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForNotice(at, limit); });
    EXPECT_TRUE(IsOk(keys));
    if (keys.ok()) {
      for (const Key& k : *keys) out.push_back(k.id);
    }
    return out;
  };
  EXPECT_EQ(ids(now, 100), (std::vector<Id>{due_early, due_early_tie, due_late, due_exact}));
  EXPECT_EQ(ids(now, 2), (std::vector<Id>{due_early, due_early_tie}));
  EXPECT_TRUE(ids(At(99), 100).empty());
  EXPECT_TRUE(ids(now, 0).empty());
}

TEST_P(StoreContract, SetKeyNoticeSetsAndClearsTheNextNotice) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id id = AddKey(MakeKey(user, server, 0, KeyState::kActive, At(5000)));
  auto due_ids = [&](Time at) {
    std::vector<Id> out;
    auto keys = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeysDueForNotice(at, 10); });
    EXPECT_TRUE(IsOk(keys));
    if (keys.ok()) {
      for (const Key& k : *keys) out.push_back(k.id);
    }
    return out;
  };
  EXPECT_TRUE(due_ids(At(10'000)).empty());

  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.keys().SetKeyNotice(id, kNotice3Days, At(200)); })));
  Key k = GetKey(id);
  EXPECT_EQ(k.notified_flags, kNotice3Days);
  EXPECT_EQ(k.next_notice_at, std::optional<Time>(At(200)));
  EXPECT_TRUE(due_ids(At(199)).empty());
  EXPECT_EQ(due_ids(At(200)), (std::vector<Id>{id}));

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.keys().SetKeyNotice(id, kNotice3Days | kNotice1Day | kNoticeExpired, std::nullopt);
  })));
  k = GetKey(id);
  EXPECT_EQ(k.notified_flags, kNotice3Days | kNotice1Day | kNoticeExpired);
  EXPECT_EQ(k.next_notice_at, std::nullopt);
  EXPECT_TRUE(due_ids(At(10'000)).empty());
  EXPECT_EQ(k.state, KeyState::kActive);  // nothing else changed
  EXPECT_EQ(k.expires_at, At(5000));

  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.keys().SetKeyNotice(id + 100, 0, At(1)); }),
      StatusCode::kNotFound));
}

// ---- users: lang, blocked_bot, created counts

TEST_P(StoreContract, SetUserLangAndBlockedBotRoundTrip) {
  Id id = AddUser(1);
  Id other = AddUser(2);
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().SetUserLang(id, "ru"); })));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().SetBlockedBot(id, true); })));
  User u = GetUser(id);
  EXPECT_EQ(u.lang, "ru");
  EXPECT_TRUE(u.blocked_bot);
  EXPECT_EQ(u.tg_id, 1);
  EXPECT_FALSE(u.banned);
  User o = GetUser(other);
  EXPECT_EQ(o.lang, "en");
  EXPECT_FALSE(o.blocked_bot);

  // Setting the value it already has is still a success.
  EXPECT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().SetUserLang(id, "ru"); })));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().SetBlockedBot(id, false); })));
  EXPECT_FALSE(GetUser(id).blocked_bot);

  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.users().SetUserLang(other + 100, "ru"); }),
      StatusCode::kNotFound));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.users().SetBlockedBot(other + 100, true);
  }),
                      StatusCode::kNotFound));
}

TEST_P(StoreContract, CountUsersCreatedSinceIncludesTheBoundary) {
  auto count = [&](Time since) {
    auto n = InRead([&](ports::StoreTx& tx) { return tx.users().CountUsersCreatedSince(since); });
    EXPECT_TRUE(IsOk(n));
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(count(At(0)), 0);
  for (int i = 0; i < 5; ++i) {
    User u = MakeUser(100 + i);
    u.created_at = At(i * 10);  // 0, 10, 20, 30, 40
    ASSERT_TRUE(IsOk(InWrite([&](ports::StoreTx& tx) { return tx.users().InsertUser(u); })));
  }
  EXPECT_EQ(count(At(-1)), 5);
  EXPECT_EQ(count(At(0)), 5);
  EXPECT_EQ(count(At(20)), 3);
  EXPECT_EQ(count(At(21)), 2);
  EXPECT_EQ(count(At(40)), 1);
  EXPECT_EQ(count(At(41)), 0);
}

// ---- alert throttle and settings

TEST_P(StoreContract, AlertThrottleIsEmptyUntilPutAndThenOverwritten) {
  auto get = [&](const std::string& subject) {
    auto t =
        InRead([&](ports::StoreTx& tx) { return tx.coordination().GetAlertThrottle(subject); });
    EXPECT_TRUE(IsOk(t));
    return t.ok() ? *t : ports::AlertThrottle{At(-1), -1};
  };
  ports::AlertThrottle absent = get("task_failed:revoke_key");
  EXPECT_EQ(absent.last_sent_at, std::nullopt);
  EXPECT_EQ(absent.suppressed, 0);

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutAlertThrottle("task_failed:revoke_key", {At(10), 0});
  })));
  ports::AlertThrottle sent = get("task_failed:revoke_key");
  EXPECT_EQ(sent.last_sent_at, std::optional<Time>(At(10)));
  EXPECT_EQ(sent.suppressed, 0);

  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutAlertThrottle("task_failed:revoke_key", {At(10), 7});
  })));
  EXPECT_EQ(get("task_failed:revoke_key").suppressed, 7);
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutAlertThrottle("task_failed:revoke_key", {std::nullopt, 2});
  })));
  ports::AlertThrottle cleared = get("task_failed:revoke_key");
  EXPECT_EQ(cleared.last_sent_at, std::nullopt);
  EXPECT_EQ(cleared.suppressed, 2);

  ports::AlertThrottle other = get("task_failed:provision_key");  // subjects are separate
  EXPECT_EQ(other.last_sent_at, std::nullopt);
  EXPECT_EQ(other.suppressed, 0);
}

TEST_P(StoreContract, SettingsAreAbsentUntilPutAndThenOverwritten) {
  auto get = [&](const std::string& name) {
    auto v = InRead([&](ports::StoreTx& tx) { return tx.coordination().GetSetting(name); });
    EXPECT_TRUE(IsOk(v));
    return v.ok() ? *v : std::optional<std::string>("<error>");
  };
  EXPECT_EQ(get("bot.update_offset"), std::nullopt);
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutSetting("bot.update_offset", "41");
  })));
  EXPECT_EQ(get("bot.update_offset"), std::optional<std::string>("41"));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutSetting("bot.update_offset", "42");
  })));
  EXPECT_EQ(get("bot.update_offset"), std::optional<std::string>("42"));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.coordination().PutSetting("empty", ""); })));
  EXPECT_EQ(get("empty"), std::optional<std::string>(""));  // empty is not absent
  EXPECT_EQ(get("Bot.update_offset"), std::nullopt);        // names are case-sensitive
}

// ---- transactions

TEST_P(StoreContract, BotWritesInsideReadFailAndFailedWritesPersistNothing) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id key = AddKey(MakeKey(user, server, 0, KeyState::kActive));
  Id message = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));

  std::vector<std::pair<const char*, Status>> attempts;
  Status read = store_->Read([&](ports::StoreTx& tx) -> Status {
    attempts.emplace_back("SetUserLang", tx.users().SetUserLang(user, "ru"));
    attempts.emplace_back("SetBlockedBot", tx.users().SetBlockedBot(user, true));
    attempts.emplace_back("SetKeyNotice", tx.keys().SetKeyNotice(key, 1, At(5)));
    attempts.emplace_back(
        "EnqueueMessage",
        tx.messages().EnqueueMessage(MakeMessage(2, MessagePriority::kReply, At(0))).status());
    attempts.emplace_back("ClaimMessages", tx.messages().ClaimMessages(At(1), kLease, 10).status());
    attempts.emplace_back("PutAlertThrottle", tx.coordination().PutAlertThrottle("s", {At(1), 1}));
    attempts.emplace_back("PutSetting", tx.coordination().PutSetting("n", "v"));
    return Status::Ok();
  });
  EXPECT_TRUE(IsOk(read));
  for (const auto& [method, st] : attempts) EXPECT_FALSE(st.ok()) << method;

  Status rolled_back = store_->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.users().SetUserLang(user, "ru"));
    VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyNotice(key, 1, At(5)));
    auto m = tx.messages().EnqueueMessage(MakeMessage(2, MessagePriority::kReply, At(0)));
    if (!m.ok()) return m.status();
    auto claimed = tx.messages().ClaimMessages(At(1), kLease, 10);
    if (!claimed.ok()) return claimed.status();
    VPNHUB_RETURN_IF_ERROR(tx.coordination().PutAlertThrottle("s", {At(1), 1}));
    VPNHUB_RETURN_IF_ERROR(tx.coordination().PutSetting("n", "v"));
    return Unavailable("lost the connection");
  });
  EXPECT_EQ(rolled_back.code(), StatusCode::kUnavailable);

  User u = GetUser(user);
  EXPECT_EQ(u.lang, "en");
  EXPECT_FALSE(u.blocked_bot);
  Key k = GetKey(key);
  EXPECT_EQ(k.notified_flags, 0);
  EXPECT_EQ(k.next_notice_at, std::nullopt);
  OutgoingMessage m = GetMessage(message);
  EXPECT_EQ(m.state, MessageState::kPending);
  EXPECT_EQ(m.attempts, 0);
  auto messages =
      InRead([&](ports::StoreTx& tx) { return tx.messages().ListMessages(std::nullopt, 10); });
  ASSERT_TRUE(IsOk(messages));
  EXPECT_EQ(messages->size(), 1u);
  auto throttle =
      InRead([&](ports::StoreTx& tx) { return tx.coordination().GetAlertThrottle("s"); });
  ASSERT_TRUE(IsOk(throttle));
  EXPECT_EQ(throttle->last_sent_at, std::nullopt);
  auto setting = InRead([&](ports::StoreTx& tx) { return tx.coordination().GetSetting("n"); });
  ASSERT_TRUE(IsOk(setting));
  EXPECT_EQ(*setting, std::nullopt);
}

}  // namespace vpnhub::storage
