// CopyDatabase: SQLite -> PostgreSQL -> SQLite on a throwaway PostgreSQL server, every row and
// column kept; identity sequences moved; non-empty targets and bad URLs refused.
#include "storage/copy/db_copy.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "storage/pg_test_server.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite_dump.hpp"
#include "storage/sqlite_test_util.hpp"

namespace vpnhub::storage {
namespace {

Time At(std::int64_t seconds) { return FromUnixMs(1'700'000'000'000 + seconds * 1000); }

// Every VPNHub table and its primary key (schema_migrations is not copied).
const std::vector<std::pair<std::string, std::string>> kTables = {
    {"locations", "id"},
    {"servers", "id"},
    {"users", "id"},
    {"keys", "id"},
    {"tasks", "id"},
    {"outgoing_messages", "id"},
    {"alert_throttle", "subject"},
    {"settings", "name"},
    {"job_leases", "job"},
    {"telegram_updates", "update_id"},
    {"orders", "id"},
    {"payments", "id"},
    {"promo_codes", "id"},
    {"promo_uses", "id"},
    {"referral_rewards", "id"},
    {"key_switches", "new_key_id"},
    {"key_moves", "old_key_id"},
};

std::map<std::string, std::vector<std::string>> DumpSqlite(const std::string& path) {
  return DumpSqliteTables(path, kTables);
}

std::string KeyString(const Key& k) {
  std::ostringstream s;
  s << k.id << "|" << k.user_id << "|" << k.server_id << "|" << k.remote_name << "|" << k.slot
    << "|" << k.secret << "|" << KeyStateName(k.state) << "|" << ToUnixMs(k.expires_at) << "|"
    << k.traffic_limit_bytes << "|" << k.is_trial << "|" << k.announce_when_ready << "|"
    << k.notified_flags << "|"
    << (k.next_notice_at ? std::to_string(ToUnixMs(*k.next_notice_at)) : "none") << "|"
    << k.last_error << "|" << ToUnixMs(k.created_at) << "|" << ToUnixMs(k.updated_at);
  return s.str();
}

std::string TaskString(const Task& t) {
  std::ostringstream s;
  s << t.id << "|" << TaskKindName(t.kind) << "|" << t.subject_id << "|" << TaskStateName(t.state)
    << "|" << t.attempts << "|" << ToUnixMs(t.next_attempt_at) << "|" << t.last_error << "|"
    << ToUnixMs(t.created_at) << "|" << ToUnixMs(t.updated_at) << "|"
    << (t.relayed_at ? std::to_string(ToUnixMs(*t.relayed_at)) : "none") << "|" << t.generation;
  return s.str();
}

std::string UserString(const User& u) {
  std::ostringstream s;
  s << u.id << "|" << u.tg_id << "|" << u.username << "|" << u.lang << "|"
    << (u.referrer_id ? std::to_string(*u.referrer_id) : "none") << "|" << u.source << "|"
    << u.blocked_bot << u.banned << u.trial_used << "|" << ToUnixMs(u.created_at);
  return s.str();
}

std::vector<Id> IdsOf(const std::vector<Task>& tasks) {
  std::vector<Id> ids;
  for (const Task& t : tasks) ids.push_back(t.id);
  return ids;
}

// Fills a new SQLite database through the real store API, plus the columns the API does not
// set (group_name, last_check_at, consecutive_failures) and some extreme values by hand.
void BuildSource(const std::string& path) {
  {
    auto opened = SqliteStore::Open({path});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto& store = **opened;
    Status st = store.Write([](ports::StoreTx& tx) -> Status {
      auto ams = tx.catalog().InsertLocation({0, "Amsterdam", true});
      auto fra = tx.catalog().InsertLocation({0, "Frankfurt 🇩🇪", false});
      if (!ams.ok() || !fra.ok()) return Internal("locations");
      Server s1;
      s1.location_id = *ams;
      s1.kind = "shadowsocks";
      s1.name = "ams-1";
      s1.settings = {{"method", "chacha20-ietf-poly1305"}, {"note", "ключ \"quoted\"\n\ttab"}};
      s1.public_host = "ams1.example.net";
      s1.capacity = 100;
      s1.created_at = At(1);
      Server s2 = s1;
      s2.name = "ams-2";
      s2.settings = {};
      s2.enabled = false;
      s2.capacity = 0;
      s2.created_at = At(2);
      Server s3 = s1;
      s3.location_id = *fra;
      s3.name = "fra-1";
      s3.public_host = "";
      s3.created_at = At(3);
      auto id1 = tx.catalog().InsertServer(s1);
      auto id2 = tx.catalog().InsertServer(s2);
      auto id3 = tx.catalog().InsertServer(s3);
      if (!id1.ok() || !id2.ok() || !id3.ok()) return Internal("servers");
      VPNHUB_RETURN_IF_ERROR(tx.catalog().SetServerHealthy(*id3, false));

      User alice;
      alice.tg_id = 1001;
      alice.username = "alice";
      alice.created_at = At(10);
      alice.source = "ads";
      auto a = tx.users().InsertUser(alice);
      if (!a.ok()) return a.status();
      User boris;
      boris.tg_id = 9'000'000'000'000'000'000;
      boris.username = "Борис 😀";
      boris.lang = "ru";
      boris.referrer_id = *a;
      boris.created_at = At(11);
      auto b = tx.users().InsertUser(boris);
      if (!b.ok()) return b.status();
      User carol;
      carol.tg_id = -42;
      carol.referrer_id = *b;
      carol.created_at = At(12);
      auto c = tx.users().InsertUser(carol);
      if (!c.ok()) return c.status();
      VPNHUB_RETURN_IF_ERROR(tx.users().SetBlockedBot(*c, true));
      VPNHUB_RETURN_IF_ERROR(tx.users().MarkTrialUsed(*b));

      auto key = [&](Id user, Id server, const std::string& name, int slot, KeyState state) {
        Key k;
        k.user_id = user;
        k.server_id = server;
        k.remote_name = name;
        k.slot = slot;
        k.secret = "s3cr3t-" + name;
        k.state = state;
        k.expires_at = At(100000 + slot);
        k.created_at = At(20);
        k.updated_at = At(21);
        return k;
      };
      // Two revoked keys and an active one share slot 0 of ams-1.
      Key k1 = key(*a, *id1, "k1", 0, KeyState::kRevoked);
      k1.last_error = "revoked by admin";
      Key k2 = key(*b, *id1, "k2", 0, KeyState::kRevoked);
      Key k3 = key(*b, *id1, "k3", 0, KeyState::kActive);
      k3.is_trial = true;
      k3.traffic_limit_bytes = 50LL * 1024 * 1024 * 1024;
      k3.next_notice_at = At(5000);
      k3.notified_flags = kNotice3Days;
      Key k4 = key(*c, *id1, "k4", 1, KeyState::kPending);
      k4.announce_when_ready = true;
      Key k5 = key(*c, *id3, "k5", 0, KeyState::kRevoking);
      Key k6 = key(*a, *id3, "k6", 1, KeyState::kFailed);
      k6.last_error = "ss-manager: connection refused";
      for (const Key& k : {k1, k2, k3, k4, k5, k6}) {
        auto id = tx.keys().InsertKey(k);
        if (!id.ok()) return id.status();
      }

      for (int n = 0; n < 5; ++n) {
        auto t = tx.tasks().EnqueueTask(n % 2 == 0 ? TaskKind::kProvisionKey : TaskKind::kRevokeKey,
                                        n + 1, At(30 + n));
        if (!t.ok()) return t.status();
      }
      auto claimed = tx.tasks().ClaimTasks(At(40), std::chrono::seconds(60), 3);
      if (!claimed.ok() || claimed->size() != 3) return Internal("claim tasks");
      VPNHUB_RETURN_IF_ERROR(tx.tasks().CompleteTask((*claimed)[0].id, At(41)));
      VPNHUB_RETURN_IF_ERROR(tx.tasks().FailTask((*claimed)[1].id, "boom: «failed»", At(42)));
      VPNHUB_RETURN_IF_ERROR(tx.tasks().RescheduleTask((*claimed)[2].id, At(90), "later", At(43)));
      // The relay's columns: three relayed, then the failed one retried (generation 1, unrelayed
      // again); the two never claimed stay unrelayed at generation 0.
      auto relayed = tx.tasks().MarkTasksRelayed(IdsOf(*claimed), At(44));
      if (!relayed.ok() || *relayed != 3) return Internal("mark tasks relayed");
      VPNHUB_RETURN_IF_ERROR(tx.tasks().RetryTask((*claimed)[1].id, At(45)));

      OutgoingMessage m;
      m.chat_id = 1001;
      m.kind = MessageKind::kText;
      m.priority = MessagePriority::kReply;
      m.text = "<b>Привет</b>, мир 🌍 \"quotes\" 'single' \\ back\nline2";
      m.keyboard = {{{"Продлить ✅", "renew:3", ""}, {"Site", "", "https://example.net/?a=1&b=2"}},
                    {{"🔑 Keys", "keys", ""}}};
      m.next_attempt_at = At(50);
      m.created_at = At(50);
      auto m1 = tx.messages().EnqueueMessage(m);
      OutgoingMessage alert = m;
      alert.kind = MessageKind::kAdminAlert;
      alert.priority = MessagePriority::kAlert;
      alert.text = "alert";
      alert.keyboard = {};
      alert.chat_id = 7;
      auto m2 = tx.messages().EnqueueMessage(alert);
      OutgoingMessage ready;
      ready.chat_id = -100123;
      ready.kind = MessageKind::kKeyReady;
      ready.priority = MessagePriority::kBulk;
      ready.subject_id = 3;
      ready.photo_qr = "ss://abc@host:8388#VPN";
      ready.edit_message_id = 555;
      ready.next_attempt_at = At(60);
      ready.created_at = At(51);
      auto m3 = tx.messages().EnqueueMessage(ready);
      if (!m1.ok() || !m2.ok() || !m3.ok()) return Internal("messages");
      auto msgs = tx.messages().ClaimMessages(At(55), std::chrono::seconds(30), 2);
      if (!msgs.ok() || msgs->size() != 2) return Internal("claim messages");
      VPNHUB_RETURN_IF_ERROR(tx.messages().CompleteMessage((*msgs)[0].id, At(56)));
      VPNHUB_RETURN_IF_ERROR(
          tx.messages().FailMessage((*msgs)[1].id, "Forbidden: bot was blocked", At(57)));

      VPNHUB_RETURN_IF_ERROR(
          tx.coordination().PutAlertThrottle("task_failed:revoke_key", {At(70), 4}));
      VPNHUB_RETURN_IF_ERROR(tx.coordination().PutAlertThrottle("never_sent", {std::nullopt, 2}));
      VPNHUB_RETURN_IF_ERROR(tx.coordination().PutSetting("telegram_offset", "123456789"));
      VPNHUB_RETURN_IF_ERROR(tx.coordination().PutSetting("motd", "Добро пожаловать 👋"));
      auto lease = tx.coordination().AcquireJobLease("expiry_sweep", "host-a:123", At(80),
                                                     std::chrono::seconds(30));
      if (!lease.ok() || !*lease) return Internal("lease");
      for (std::int64_t update_id : {700001, 700002}) {
        auto taken = tx.coordination().RecordUpdate(update_id, At(90));
        if (!taken.ok() || !*taken) return Internal("update");
      }
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  ExecSqlite(path,
             "UPDATE locations SET group_name = 'EU' WHERE name = 'Amsterdam';"
             "UPDATE servers SET last_check_at = 1700000000123, consecutive_failures = 3 "
             "WHERE name = 'fra-1';"
             "UPDATE keys SET traffic_limit_bytes = 9223372036854775807 WHERE remote_name = 'k6';"
             "UPDATE outgoing_messages SET edit_message_id = -9223372036854775808 WHERE id = 2;"
             "UPDATE tasks SET generation = 2147483647 WHERE state = 'done';"
             // Selling (migration 0008): a row in each table, booleans and NULLs included.
             "INSERT INTO orders (user_id, kind, location_id, key_id, months, provider, amount, "
             "currency, promo_code, bonus_days, state, result_key_id, created_at, expires_at, "
             "updated_at) SELECT min(id), 'new_key', 1, 0, 3, 'stars', 250, 'XTR', 'SPRING', 2, "
             "'fulfilled', 1, 1700000000000, 1700003600000, 1700000001000 FROM users;"
             "INSERT INTO payments (provider, provider_payment_id, order_id, user_id, amount, "
             "currency, raw_reference, state, created_at, updated_at) VALUES ('stars', 'ch-1', "
             "1, 1, 250, 'XTR', 'ref', 'credited', 1700000000500, 1700000000500);"
             "INSERT INTO promo_codes (code, percent, bonus_days, max_uses, uses, once_per_person, "
             "valid_until, enabled, created_at) VALUES ('SPRING', 20, 2, 5, 1, 1, NULL, 0, "
             "1700000000000);"
             "INSERT INTO promo_uses (promo_id, user_id, order_id, once_user_id, created_at) "
             "VALUES (1, 1, 1, 1, 1700000000500);"
             "INSERT INTO referral_rewards (referrer_id, invitee_id, order_id, days, key_id, "
             "created_at) SELECT min(id), max(id), 1, 3, 0, 1700000000500 FROM users;"
             "INSERT INTO key_switches (new_key_id, old_key_id, order_id, number, done, "
             "created_at) SELECT max(id), min(id), 0, 1, 1, 1700000000600 FROM keys;"
             "INSERT INTO key_moves (old_key_id, new_key_id, done, created_at) "
             "SELECT min(id), max(id), 0, 1700000000700 FROM keys;");
}

Result<std::string> NewPgDatabase(std::vector<std::unique_ptr<PgTestDatabase>>& keep) {
  auto db = PgTestDatabase::Create();
  if (!db.ok()) return db.status();
  keep.push_back(std::move(*db));
  return keep.back()->url();
}

class DbCopyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  std::string PgUrl() {
    auto url = NewPgDatabase(databases_);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? *url : "";
  }

  TempDir dir_;
  std::vector<std::unique_ptr<PgTestDatabase>> databases_;
};

TEST_F(DbCopyTest, RoundTripThroughPostgresPreservesEveryRow) {
  const std::string first = File("first.db");
  const std::string last = File("last.db");
  ASSERT_NO_FATAL_FAILURE(BuildSource(first));
  const std::string pg = PgUrl();
  ASSERT_FALSE(pg.empty());

  std::vector<CopyProgress> seen;
  auto there =
      CopyDatabase("sqlite://" + first, pg, [&](const CopyProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(there.ok()) << there.status().ToString();
  std::map<std::string, std::int64_t> counts(there->rows_per_table.begin(),
                                             there->rows_per_table.end());
  EXPECT_EQ(there->rows_per_table.size(), kTables.size());
  EXPECT_EQ(counts["locations"], 2);
  EXPECT_EQ(counts["servers"], 3);
  EXPECT_EQ(counts["users"], 3);
  EXPECT_EQ(counts["keys"], 6);
  EXPECT_EQ(counts["tasks"], 5);
  EXPECT_EQ(counts["outgoing_messages"], 3);
  EXPECT_EQ(counts["alert_throttle"], 2);
  EXPECT_EQ(counts["settings"], 2);
  EXPECT_EQ(counts["job_leases"], 1);
  EXPECT_EQ(counts["telegram_updates"], 2);
  ASSERT_FALSE(seen.empty());
  for (const auto& p : seen) EXPECT_EQ(p.rows_done, p.rows_total) << p.table;  // one batch each

  auto back = CopyDatabase(pg, "sqlite://" + last);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->rows_per_table, there->rows_per_table);

  const auto before = DumpSqlite(first);
  const auto after = DumpSqlite(last);
  for (const auto& [table, key] : kTables) {
    EXPECT_FALSE(before.at(table).empty()) << table;
    EXPECT_EQ(before.at(table), after.at(table)) << table;
  }
  // The relay's columns were among those compared, with values set and unset.
  std::string tasks;
  for (const auto& row : before.at("tasks")) tasks += row + "\n";
  EXPECT_NE(tasks.find("relayed_at=i:" + std::to_string(ToUnixMs(At(44)))), std::string::npos)
      << tasks;
  EXPECT_NE(tasks.find("relayed_at=NULL"), std::string::npos) << tasks;
  EXPECT_NE(tasks.find("generation=i:1|"), std::string::npos) << tasks;
  EXPECT_NE(tasks.find("generation=i:2147483647|"), std::string::npos) << tasks;

  // The middle database answers like the first one through the store port.
  auto sqlite_store = SqliteStore::Open({first});
  ASSERT_TRUE(sqlite_store.ok());
  auto pg_store = PostgresStore::Open({pg});
  ASSERT_TRUE(pg_store.ok()) << pg_store.status().ToString();
  auto read_all = [](ports::Store& store) {
    std::vector<std::string> out;
    Status st = store.Read([&](ports::StoreTx& tx) -> Status {
      auto keys = tx.keys().ListKeys({});
      if (!keys.ok()) return keys.status();
      for (const Key& k : *keys) out.push_back(KeyString(k));
      for (Id id : {1, 2, 3}) {
        auto user = tx.users().GetUser(id);
        if (!user.ok()) return user.status();
        out.push_back(UserString(*user));
      }
      auto servers = tx.catalog().ListServers(std::nullopt);
      if (!servers.ok()) return servers.status();
      for (const Server& s : *servers) {
        std::string settings;
        for (const auto& [k, v] : s.settings) settings += k + "=" + v + ";";
        out.push_back(std::to_string(s.id) + s.name + settings + std::to_string(s.used_slots) +
                      std::to_string(s.enabled) + std::to_string(s.healthy));
      }
      auto messages = tx.messages().ListMessages(std::nullopt, 100);
      if (!messages.ok()) return messages.status();
      for (const auto& m : *messages) {
        std::string kb;
        for (const auto& row : m.keyboard) {
          for (const auto& b : row) kb += b.text + "/" + b.callback_data + "/" + b.url + ";";
          kb += "|";
        }
        out.push_back(std::to_string(m.id) + MessageStateName(m.state) + m.text + kb);
      }
      auto tasks = tx.tasks().ListTasks(std::nullopt, 100);
      if (!tasks.ok()) return tasks.status();
      for (const Task& t : *tasks) out.push_back(TaskString(t));
      auto throttle = tx.coordination().GetAlertThrottle("task_failed:revoke_key");
      if (!throttle.ok()) return throttle.status();
      out.push_back(std::to_string(throttle->suppressed) +
                    std::to_string(ToUnixMs(throttle->last_sent_at.value_or(Time{}))));
      auto motd = tx.coordination().GetSetting("motd");
      if (!motd.ok()) return motd.status();
      out.push_back(motd->value_or("missing"));
      auto lease = tx.coordination().GetJobLease("expiry_sweep");
      if (!lease.ok()) return lease.status();
      out.push_back(lease->has_value() ? (*lease)->holder : "missing");
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  };
  const auto from_sqlite = read_all(**sqlite_store);
  const auto from_pg = read_all(**pg_store);
  EXPECT_EQ(from_sqlite.size(), 6u + 3u + 3u + 3u + 5u + 3u);
  EXPECT_EQ(from_sqlite, from_pg);

  // The user and key counts are not copied: each target's own triggers counted the rows copied.
  auto stat_counts = [](ports::Store& store) {
    std::pair<std::int64_t, std::map<KeyState, std::int64_t>> out;
    Status st = store.Read([&](ports::StoreTx& tx) -> Status {
      auto stats = tx.housekeeping().Stats();
      if (!stats.ok()) return stats.status();
      out = {stats->users, stats->keys_by_state};
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  };
  auto last_store = SqliteStore::Open({last});
  ASSERT_TRUE(last_store.ok());
  const auto counted = stat_counts(**sqlite_store);
  EXPECT_EQ(counted.first, 3);
  std::int64_t keys = 0;
  for (const auto& [state, n] : counted.second) keys += n;
  EXPECT_EQ(keys, 6);
  EXPECT_EQ(stat_counts(**pg_store), counted);
  EXPECT_EQ(stat_counts(**last_store), counted);
}

TEST_F(DbCopyTest, NewRowsAfterTheCopyGetFreshIds) {
  const std::string source = File("source.db");
  ASSERT_NO_FATAL_FAILURE(BuildSource(source));
  const std::string pg = PgUrl();
  ASSERT_FALSE(pg.empty());
  auto copied = CopyDatabase("sqlite://" + source, pg);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();

  auto store = PostgresStore::Open({pg});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status st = (*store)->Write([](ports::StoreTx& tx) -> Status {
    auto location = tx.catalog().InsertLocation({0, "Paris", true});
    if (!location.ok()) return location.status();
    EXPECT_EQ(*location, 3);
    Server server;
    server.location_id = *location;
    server.kind = "shadowsocks";
    server.name = "par-1";
    server.capacity = 5;
    server.created_at = At(1);
    auto server_id = tx.catalog().InsertServer(server);
    if (!server_id.ok()) return server_id.status();
    EXPECT_EQ(*server_id, 4);
    User user;
    user.tg_id = 5555;
    user.created_at = At(1);
    auto user_id = tx.users().InsertUser(user);
    if (!user_id.ok()) return user_id.status();
    EXPECT_EQ(*user_id, 4);
    Key key;
    key.user_id = *user_id;
    key.server_id = *server_id;
    key.remote_name = "new";
    key.secret = "x";
    key.state = KeyState::kActive;
    key.created_at = key.updated_at = key.expires_at = At(1);
    auto key_id = tx.keys().InsertKey(key);
    if (!key_id.ok()) return key_id.status();
    EXPECT_EQ(*key_id, 7);
    auto task = tx.tasks().EnqueueTask(TaskKind::kProvisionKey, *key_id, At(1));
    if (!task.ok()) return task.status();
    EXPECT_EQ(*task, 6);
    OutgoingMessage m;
    m.chat_id = 1;
    m.text = "hi";
    auto message = tx.messages().EnqueueMessage(m);
    if (!message.ok()) return message.status();
    EXPECT_EQ(*message, 4);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_F(DbCopyTest, NonEmptyPostgresTargetIsRefusedAndLeftUntouched) {
  const std::string source = File("source.db");
  ASSERT_NO_FATAL_FAILURE(BuildSource(source));
  const std::string pg = PgUrl();
  ASSERT_FALSE(pg.empty());
  {
    auto store = PostgresStore::Open({pg});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Status st = (*store)->Write([](ports::StoreTx& tx) -> Status {
      User user;
      user.tg_id = 77;
      user.username = "already-here";
      user.created_at = At(1);
      return tx.users().InsertUser(user).status();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  auto copied = CopyDatabase("sqlite://" + source, pg);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(copied.status().message().find("users"), std::string::npos)
      << copied.status().message();

  auto conn = PgConnection::Open(pg, std::chrono::seconds(10));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  for (const auto& [table, key] : kTables) {
    auto rows = (*conn)->QueryOnce("SELECT count(*) FROM \"" + table + "\"");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(rows->Int64(0, 0), table == "users" ? 1 : 0) << table;
  }
  auto user = (*conn)->QueryOnce("SELECT username FROM users");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->Text(0, 0), "already-here");
}

TEST_F(DbCopyTest, NonEmptySqliteTargetIsRefusedAndLeftUntouched) {
  const std::string source = File("source.db");
  const std::string target = File("target.db");
  ASSERT_NO_FATAL_FAILURE(BuildSource(source));
  {
    auto store = SqliteStore::Open({target});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->Write([](ports::StoreTx& tx) {
                      return tx.coordination().PutSetting("telegram_offset", "1");
                    })
                    .ok());
  }
  const auto before = DumpSqlite(target);
  auto copied = CopyDatabase("sqlite://" + source, "sqlite://" + target);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(copied.status().message().find("settings"), std::string::npos)
      << copied.status().message();
  EXPECT_EQ(DumpSqlite(target), before);
}

TEST_F(DbCopyTest, BadUrlsGiveClearErrorsWithoutPasswords) {
  const std::string source = File("source.db");
  ASSERT_NO_FATAL_FAILURE(BuildSource(source));

  auto bad_scheme = CopyDatabase("mysql://root:hunter2@db/vpnhub", "sqlite://" + File("x.db"));
  EXPECT_EQ(bad_scheme.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_scheme.status().message().find("hunter2"), std::string::npos);

  auto memory = CopyDatabase("sqlite://" + source, "sqlite://:memory:");
  EXPECT_EQ(memory.status().code(), StatusCode::kInvalidArgument);

  auto same = CopyDatabase("sqlite://" + source, "sqlite://" + source);
  EXPECT_EQ(same.status().code(), StatusCode::kInvalidArgument);

  const std::string missing = File("missing.db");
  auto no_source = CopyDatabase("sqlite://" + missing, "sqlite://" + File("y.db"));
  EXPECT_EQ(no_source.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(missing));

  auto unreachable =
      CopyDatabase("sqlite://" + source, "postgres://vpnhub:sekret-pass@127.0.0.1:1/nothing");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable)
      << unreachable.status().ToString();
  EXPECT_EQ(unreachable.status().message().find("sekret-pass"), std::string::npos)
      << unreachable.status().message();

  auto malformed = CopyDatabase("sqlite://" + source, "postgresql://vpnhub:pw-in-uri@[::1/nothing");
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument)
      << malformed.status().ToString();
  EXPECT_EQ(malformed.status().message().find("pw-in-uri"), std::string::npos)
      << malformed.status().message();

  auto unreachable_source = CopyDatabase(
      "postgresql://vpnhub:other-pass@127.0.0.1:1/x?sslmode=disable", "sqlite://" + File("z.db"));
  ASSERT_FALSE(unreachable_source.ok());
  EXPECT_EQ(unreachable_source.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(unreachable_source.status().message().find("other-pass"), std::string::npos);
}

// 100k messages (and 20k users): the copy batches, so it takes seconds.
TEST_F(DbCopyTest, CopiesALargeDatabaseInBatches) {
  const std::string source = File("big.db");
  {
    auto store = SqliteStore::Open({source});
    ASSERT_TRUE(store.ok());
  }
  ExecSqlite(source,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
             "INSERT INTO outgoing_messages (id, chat_id, kind, priority, text, state, "
             "next_attempt_at, created_at, updated_at) "
             "SELECT i, i % 977, 'text', i % 3, 'сообщение ' || i, 'sent', i, i, i FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
             "INSERT INTO users (id, tg_id, username, trial_used, created_at) "
             "SELECT i, 1000000 + i, 'user' || i, i % 2, i FROM n;");
  const std::string pg = PgUrl();
  ASSERT_FALSE(pg.empty());
  int batches = 0;
  const auto start = std::chrono::steady_clock::now();
  auto copied = CopyDatabase("sqlite://" + source, pg, [&](const CopyProgress& p) {
    if (p.table == "outgoing_messages") {
      ++batches;
      EXPECT_LE(p.rows_done, p.rows_total);
    }
  });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  std::map<std::string, std::int64_t> counts(copied->rows_per_table.begin(),
                                             copied->rows_per_table.end());
  EXPECT_EQ(counts["outgoing_messages"], 100000);
  EXPECT_EQ(counts["users"], 20000);
  EXPECT_GT(batches, 10);
  std::cout << "copied 120000 rows sqlite -> postgres in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";

  const std::string last = File("big-back.db");
  auto back = CopyDatabase(pg, "sqlite://" + last);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(DumpSqlite(source), DumpSqlite(last));
}

}  // namespace
}  // namespace vpnhub::storage
