// SqliteStore: the Store contract on a file and in memory, plus SQLite-specific behaviour.
#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite_test_util.hpp"
#include "storage/store_contract.hpp"

namespace vpnhub::storage {
namespace {

namespace fs = std::filesystem;

INSTANTIATE_TEST_SUITE_P(Sqlite, BillingContract,
                         ::testing::Values(StoreFactory{"file",
                                                        [] { return TempFileStore::Make(); }}),
                         StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, BillingTwoStoresContract,
                         ::testing::Values(StoreFactory{"two_connections",
                                                        [] { return TempFileStore::Make(); },
                                                        TempFileStore::OpenAgain}),
                         StoreFactoryName);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
                         ::testing::Values(StoreFactory{"file",
                                                        [] { return TempFileStore::Make(); }},
                                           StoreFactory{"memory",
                                                        []() -> std::unique_ptr<ports::Store> {
                                                          auto s = SqliteStore::Open({":memory:"});
                                                          if (!s.ok()) return nullptr;
                                                          return std::move(*s);
                                                        }}),
                         StoreFactoryName);

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path) {
  auto s = SqliteStore::Open({path});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

Id InsertUser(SqliteStore& store, TgId tg_id) {
  Id id = 0;
  Status st = store.Write([&](ports::StoreTx& tx) -> Status {
    User u;
    u.tg_id = tg_id;
    auto r = tx.users().InsertUser(u);
    if (!r.ok()) return r.status();
    id = *r;
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return id;
}

std::int64_t CountUsers(ports::Store& store) {
  std::int64_t users = -1;
  Status st = store.Read([&](ports::StoreTx& tx) -> Status {
    auto stats = tx.housekeeping().Stats();
    if (!stats.ok()) return stats.status();
    users = stats->users;
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return users;
}

TEST(SqlitePathFromUrl, AcceptsSqliteUrls) {
  auto rel = SqlitePathFromUrl("sqlite://./data/vpnhub.db");
  ASSERT_TRUE(rel.ok()) << rel.status().ToString();
  EXPECT_EQ(*rel, "./data/vpnhub.db");
  auto abs = SqlitePathFromUrl("sqlite:///var/lib/v.db");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(*abs, "/var/lib/v.db");
  auto mem = SqlitePathFromUrl("sqlite://:memory:");
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(*mem, ":memory:");
}

TEST(SqlitePathFromUrl, RejectsEverythingElseWithoutEchoingSecrets) {
  for (const char* url : {"", "sqlite://", "sqlite:/x.db", "/var/lib/v.db", "SQLITE://x.db",
                          "postgres://vpnhub:hunter2@db:5432/vpnhub", "file:./x.db"}) {
    auto r = SqlitePathFromUrl(url);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(r.status().message().find("sqlite://"), std::string::npos) << url;
    EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << url;
  }
}

TEST(SqliteStore, OpenRejectsAnEmptyPath) {
  auto s = SqliteStore::Open({""});
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStore, OpenCreatesTheParentDirectory) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = (dir.path() / "data" / "nested" / "vpnhub.db").string();
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::is_regular_file(path));
  EXPECT_TRUE(store->Ping().ok());
}

TEST(SqliteStore, OpenFailsOnAFileThatIsNotADatabase) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("garbage.db");
  std::ofstream(path) << std::string(4096, 'x');
  auto s = SqliteStore::Open({path});
  EXPECT_FALSE(s.ok());
}

TEST(SqliteStore, MigrationsAreRecordedAndIdempotent) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  std::int64_t first_applied_at = 0;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    auto status = store->MigrationStatus();
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    ASSERT_EQ(status->size(), SqliteEmbeddedMigrations().size());
    ASSERT_FALSE(status->empty());
    EXPECT_EQ((*status)[0].version, 1);
    EXPECT_EQ((*status)[0].name, "init");
    ASSERT_GE(status->size(), 2u);
    EXPECT_EQ((*status)[1].version, 2);
    EXPECT_EQ((*status)[1].name, "bot");
    for (const MigrationInfo& m : *status) {
      EXPECT_TRUE(m.applied) << m.version;
      EXPECT_GT(m.applied_at_ms, 0) << m.version;
    }
    first_applied_at = (*status)[0].applied_at_ms;
    auto again = store->Migrate();
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->empty());
  }
  auto reopened = OpenOrDie(path);
  ASSERT_NE(reopened, nullptr);
  auto again = reopened->Migrate();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  auto status = reopened->MigrationStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)[0].applied_at_ms, first_applied_at);
}

TEST(SqliteMigrations, AFailingMigrationRollsBackAndStops) {
  auto conn = Connection::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
  ASSERT_TRUE(conn.ok());
  const std::vector<EmbeddedMigration> migrations = {
      {1, "one", "CREATE TABLE a (x INTEGER);"},
      {2, "two", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"},
      {3, "three", "CREATE TABLE c (x INTEGER);"},
  };
  auto applied = ApplyMigrations(**conn, migrations);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find("0002_two"), std::string::npos)
      << applied.status().ToString();
  EXPECT_NE(applied.status().message().find("nowhere"), std::string::npos);

  auto status = ReadMigrationStatus(**conn, migrations);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->size(), 3u);
  EXPECT_TRUE((*status)[0].applied);
  EXPECT_FALSE((*status)[1].applied);
  EXPECT_FALSE((*status)[2].applied);
  EXPECT_TRUE((*conn)->Exec("SELECT * FROM a").ok());
  EXPECT_FALSE((*conn)->Exec("SELECT * FROM b").ok());  // rolled back with its migration
  EXPECT_FALSE((*conn)->Exec("SELECT * FROM c").ok());  // never reached

  const std::vector<EmbeddedMigration> fixed = {
      {1, "one", "CREATE TABLE a (x INTEGER);"},
      {2, "two", "CREATE TABLE b (x INTEGER);"},
      {3, "three", "CREATE TABLE c (x INTEGER);"},
  };
  auto resumed = ApplyMigrations(**conn, fixed);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(*resumed, (std::vector<int>{2, 3}));
}

TEST(SqliteMigrations, DuplicateVersionsAreRejected) {
  auto conn = Connection::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
  ASSERT_TRUE(conn.ok());
  auto applied = ApplyMigrations(**conn, {{1, "a", "SELECT 1;"}, {1, "b", "SELECT 1;"}});
  EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStore, DataSurvivesReopen) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  Id id = 0;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    id = InsertUser(*store, 4242);
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  Status st = store->Read([&](ports::StoreTx& tx) -> Status {
    auto u = tx.users().GetUser(id);
    if (!u.ok()) return u.status();
    EXPECT_EQ(u->tg_id, 4242);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST(SqliteStore, PingFollowsTheDatabaseFile) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  const std::string aside = dir.File("vpnhub.db.aside");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Ping().ok());

  fs::rename(path, aside);
  Status gone = store->Ping();
  EXPECT_EQ(gone.code(), StatusCode::kUnavailable) << gone.ToString();
  EXPECT_FALSE(fs::exists(path)) << "Ping must not create the file";

  std::ofstream(path) << std::string(8192, 'g');
  Status garbage = store->Ping();
  EXPECT_EQ(garbage.code(), StatusCode::kUnavailable) << garbage.ToString();
  fs::remove(path);

  fs::rename(aside, path);
  Status back = store->Ping();
  EXPECT_TRUE(back.ok()) << back.ToString();
  EXPECT_EQ(CountUsers(*store), 0);
}

// Counts users with the sqlite_child helper: a separate process that opens, reads and closes.
std::int64_t CountUsersInAnotherProcess(const std::string& path) {
  const std::string command = std::string("'") + VPNHUB_SQLITE_CHILD + "' '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  pclose(pipe);
  const std::string marker = "CHILD_COUNT=";
  auto at = output.find(marker);
  EXPECT_NE(at, std::string::npos) << output;
  return at == std::string::npos ? -1 : std::stoll(output.substr(at + marker.size()));
}

// Regression: Ping read the file header with an ifstream; closing that descriptor dropped this
// process's POSIX locks on the database, so a CLI process closing its connection took itself for
// the last user, checkpointed and deleted the WAL, and later writes of the service were invisible
// to every other process.
TEST(SqliteStore, PingLeavesOtherProcessesSeeingOurWrites) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  InsertUser(*store, 1);
  ASSERT_TRUE(store->Ping().ok());
  EXPECT_EQ(CountUsersInAnotherProcess(path), 1);
  InsertUser(*store, 2);
  ASSERT_TRUE(store->Ping().ok());
  EXPECT_EQ(CountUsersInAnotherProcess(path), 2);
  InsertUser(*store, 3);
  EXPECT_EQ(CountUsersInAnotherProcess(path), 3);
  EXPECT_EQ(CountUsers(*store), 3);
}

TEST(SqliteStore, PingWorksInMemory) {
  auto store = OpenOrDie(":memory:");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Ping().ok());
}

TEST(SqliteStore, DueForExpiryQueryUsesTheStateExpiresIndex) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto store = OpenOrDie(dir.File("vpnhub.db"));
  ASSERT_NE(store, nullptr);
  auto plan = store->ExplainDueForExpiry();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->find("USING INDEX keys_state_expires (state=? AND expires_at<?)"),
            std::string::npos)
      << *plan;
  EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos) << *plan;  // no sort: index order
  EXPECT_EQ(plan->find("SCAN"), std::string::npos) << *plan;
}

// The plan of `query` on a fresh file store.
std::string PlanOf(SqliteStore::IndexedQuery query) {
  TempDir dir;
  EXPECT_TRUE(dir.ok());
  auto store = OpenOrDie(dir.File("vpnhub.db"));
  if (store == nullptr) return "";
  auto plan = store->ExplainQuery(query);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : "";
}

TEST(SqliteStore, DueForNoticeQueryUsesTheStateNextNoticeIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kDueForNotice);
  EXPECT_NE(plan.find("USING INDEX keys_state_next_notice (state=? AND next_notice_at<?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

TEST(SqliteStore, CountUsersCreatedSinceReadsOnlyTheCreatedAtIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kUsersCreatedSince);
  EXPECT_NE(plan.find("USING COVERING INDEX users_created_at (created_at>?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// Sent messages pile up by the million; a claim must only walk the claimable ones.
TEST(SqliteStore, ClaimableMessagesQueryUsesThePartialClaimIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kClaimableMessages);
  EXPECT_NE(plan.find("USING INDEX outgoing_messages_claim (priority=? AND next_attempt_at<?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort: index order
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// Done tasks pile up and a sweep queues thousands with one due time: a claim must walk the open
// tasks in claim order, not sort them.
TEST(SqliteStore, ClaimableTasksQueryWalksThePartialClaimIndexInOrder) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kClaimableTasks);
  EXPECT_NE(plan.find("USING INDEX tasks_claim (next_attempt_at<?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort: index order
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// The relay reads the unrelayed pending tasks in id order every round: a walk of the partial
// index that stops at its LIMIT, never the relayed, running or finished tasks, never a sort.
TEST(SqliteStore, UnrelayedTasksQueryWalksThePartialUnrelayedIndexInIdOrder) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kUnrelayedTasks);
  EXPECT_NE(plan.find("SCAN tasks USING INDEX tasks_unrelayed"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;  // no sort: index order
}

// The redrive picks the stale relayed tasks oldest due first from the open-task claim index.
TEST(SqliteStore, StaleRelayedTasksQueryWalksTheClaimIndexInOrder) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kStaleRelayedTasks);
  EXPECT_NE(plan.find("USING INDEX tasks_claim (next_attempt_at<?)"), std::string::npos) << plan;
  EXPECT_NE(plan.find("USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN tasks"), std::string::npos) << plan;
}

// The NATS worker claims the ids of a fetched batch: one primary-key lookup per id.
TEST(SqliteStore, ClaimTasksByIdsLooksUpThePrimaryKey) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kTasksByIds);
  EXPECT_NE(plan.find("SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN tasks"), std::string::npos) << plan;
}

// The per-server key gauges: only the slot-holding keys, through the partial slot index; the
// revoked and failed keys that pile up are never read.
TEST(SqliteStore, SlotKeysByServerWalksOnlyThePartialSlotIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kSlotKeysByServer);
  EXPECT_NE(plan.find("USING INDEX keys_server_slot_held"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN keys\n"), std::string::npos) << plan;
}

TEST(SqliteStore, MessageStatsSkipSentRowsThroughTheStateIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kMessageStats);
  EXPECT_NE(plan.find("USING COVERING INDEX outgoing_messages_state (state=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// Dropping a blocked person's queue touches their queued rows only, never the sent history.
TEST(SqliteStore, DropPendingMessagesUsesThePartialChatIndex) {
  const std::string plan = PlanOf(SqliteStore::IndexedQuery::kChatQueue);
  EXPECT_NE(plan.find("USING INDEX outgoing_messages_chat (chat_id=?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// A database made by a binary that knew only 0001_init gains the bot schema on Open, and its
// existing keys read as "no announcement, no notice pending".
TEST(SqliteStore, OpenUpgradesAVersionOneDatabase) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  {
    auto conn = Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    const std::vector<EmbeddedMigration> v1 = {SqliteEmbeddedMigrations().at(0)};
    ASSERT_EQ(v1[0].version, 1);
    auto applied = ApplyMigrations(**conn, v1);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO users (id, tg_id, created_at) VALUES (1, 100, 5);"
                           "INSERT INTO locations (id, name) VALUES (1, 'nl');"
                           "INSERT INTO servers (id, location_id, kind, name, capacity, "
                           "created_at) VALUES (1, 1, 'shadowsocks', 'nl-1', 10, 0);"
                           "INSERT INTO keys (id, user_id, server_id, remote_name, slot, secret, "
                           "state, expires_at, notified_flags, created_at, updated_at) VALUES "
                           "(1, 1, 1, 'k1', 0, 's', 'active', 1000, 2, 0, 0)")
                    .ok());
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto status = store->MigrationStatus();
  ASSERT_TRUE(status.ok());
  for (const MigrationInfo& m : *status) EXPECT_TRUE(m.applied) << m.version;
  EXPECT_TRUE(store->Ping().ok());

  Status st = store->Write([&](ports::StoreTx& tx) -> Status {
    auto key = tx.keys().GetKey(1);
    if (!key.ok()) return key.status();
    EXPECT_FALSE(key->announce_when_ready);
    EXPECT_EQ(key->next_notice_at, std::nullopt);
    EXPECT_EQ(key->notified_flags, 2);
    auto due = tx.keys().ListKeysDueForNotice(FromUnixMs(1'000'000), 10);
    if (!due.ok()) return due.status();
    EXPECT_TRUE(due->empty());
    auto since = tx.users().CountUsersCreatedSince(FromUnixMs(5));
    if (!since.ok()) return since.status();
    EXPECT_EQ(*since, 1);
    OutgoingMessage m;
    m.chat_id = 100;
    auto id = tx.messages().EnqueueMessage(m);
    if (!id.ok()) return id.status();
    auto claimed = tx.messages().ClaimMessages(FromUnixMs(0), std::chrono::seconds(60), 10);
    if (!claimed.ok()) return claimed.status();
    EXPECT_EQ(claimed->size(), 1u);
    return tx.coordination().PutSetting("bot.update_offset", "1");
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// A database of a binary that knew migrations up to 0004: its tasks gain the relay columns
// unrelayed at generation 0, so a switch to NATS mode publishes the pending ones.
TEST(SqliteStore, OpenUpgradesAVersionFourDatabaseWithUnrelayedTasks) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  {
    auto conn = Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    std::vector<EmbeddedMigration> v4;
    for (const EmbeddedMigration& m : SqliteEmbeddedMigrations()) {
      if (m.version <= 4) v4.push_back(m);
    }
    ASSERT_EQ(v4.size(), 4u);
    auto applied = ApplyMigrations(**conn, v4);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO tasks (id, kind, subject_id, state, attempts, "
                           "next_attempt_at, created_at, updated_at) VALUES "
                           "(1, 'provision_key', 1, 'pending', 0, 10, 10, 10),"
                           "(2, 'revoke_key', 1, 'done', 1, 20, 5, 20),"
                           "(3, 'revoke_key', 2, 'pending', 2, 5000, 5, 30)")
                    .ok());
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto status = store->MigrationStatus();
  ASSERT_TRUE(status.ok());
  for (const MigrationInfo& m : *status) EXPECT_TRUE(m.applied) << m.version;

  Status st = store->Write([&](ports::StoreTx& tx) -> Status {
    for (Id id : {1, 2, 3}) {
      auto task = tx.tasks().GetTask(id);
      if (!task.ok()) return task.status();
      EXPECT_EQ(task->relayed_at, std::nullopt) << id;
      EXPECT_EQ(task->generation, 0) << id;
    }
    auto unrelayed = tx.tasks().ListUnrelayedTasks(FromUnixMs(100), 10);
    if (!unrelayed.ok()) return unrelayed.status();
    EXPECT_EQ(unrelayed->size(), 1u);
    if (!unrelayed->empty()) {
      EXPECT_EQ((*unrelayed)[0].id, 1);
    }
    auto marked = tx.tasks().MarkTasksRelayed({1, 3}, FromUnixMs(200));
    if (!marked.ok()) return marked.status();
    EXPECT_EQ(*marked, 2);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Rows the adapter cannot make sense of are reported, never returned half-read.
TEST(SqliteStore, AMessageWithABrokenKeyboardIsAnInternalError) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  Id id = 0;
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) -> Status {
                    OutgoingMessage m;
                    m.chat_id = 1;
                    auto r = tx.messages().EnqueueMessage(m);
                    if (!r.ok()) return r.status();
                    id = *r;
                    return Status::Ok();
                  })
                  .ok());
  {
    auto conn = Connection::Open(path, SQLITE_OPEN_READWRITE, 1000);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Exec("UPDATE outgoing_messages SET keyboard = '[{\"text\": 1}]'").ok());
  }
  Status st =
      store->Read([&](ports::StoreTx& tx) { return tx.messages().GetMessage(id).status(); });
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_NE(st.message().find("keyboard"), std::string::npos) << st.ToString();
}

TEST(SqliteStore, EnqueueMessageRejectsAnUnknownPriority) {
  auto store = OpenOrDie(":memory:");
  ASSERT_NE(store, nullptr);
  Status st = store->Write([&](ports::StoreTx& tx) -> Status {
    OutgoingMessage m;
    m.chat_id = 1;
    m.priority = static_cast<MessagePriority>(9);
    return tx.messages().EnqueueMessage(m).status();
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
}

TEST(SqliteStore, TheWalIsCheckpointedWhileTheStoreStaysOpen) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const auto initial_size = fs::file_size(path);
  // About 6 MB of rows in 30 commits: well past the 1000-frame checkpoint threshold.
  for (int batch = 0; batch < 30; ++batch) {
    Status st = store->Write([&](ports::StoreTx& tx) -> Status {
      for (int i = 0; i < 50; ++i) {
        User u;
        u.tg_id = batch * 1000 + i;
        u.username = std::string(4000, static_cast<char>('a' + i % 26));
        auto id = tx.users().InsertUser(u);
        if (!id.ok()) return id.status();
      }
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // Only a checkpoint moves pages from the -wal file into the database file.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (fs::file_size(path) < initial_size + 2'000'000 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(fs::file_size(path), initial_size + 2'000'000);
  EXPECT_EQ(CountUsers(*store), 1500);
}

TEST(SqliteStore, ExceptionInACallbackRollsBack) {
  auto store = OpenOrDie(":memory:");
  ASSERT_NE(store, nullptr);
  Status st = store->Write([](ports::StoreTx& tx) -> Status {
    User u;
    u.tg_id = 1;
    (void)tx.users().InsertUser(u);
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_NE(st.message().find("boom"), std::string::npos);
  EXPECT_EQ(CountUsers(*store), 0);
  EXPECT_GT(InsertUser(*store, 1), 0);
}

TEST(SqliteStore, ReadRunsWhileAWriteTransactionIsOpen) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto store = OpenOrDie(dir.File("vpnhub.db"));
  ASSERT_NE(store, nullptr);
  std::promise<void> writing;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread writer([&] {
    Status st = store->Write([&](ports::StoreTx& tx) -> Status {
      User u;
      u.tg_id = 77;
      auto id = tx.users().InsertUser(u);
      if (!id.ok()) return id.status();
      writing.set_value();
      released.wait();
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  });
  writing.get_future().wait();
  auto reader = std::async(std::launch::async, [&] { return CountUsers(*store); });
  const bool finished = reader.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  release.set_value();
  writer.join();
  ASSERT_TRUE(finished) << "Read waited for the writer";
  EXPECT_EQ(reader.get(), 0);  // the open transaction is not visible
  EXPECT_EQ(CountUsers(*store), 1);
}

TEST(SqliteStore, ReadSeesOneSnapshot) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto store = OpenOrDie(dir.File("vpnhub.db"));
  ASSERT_NE(store, nullptr);
  InsertUser(*store, 1);
  std::int64_t before = -1;
  std::int64_t after = -1;
  Status st = store->Read([&](ports::StoreTx& tx) -> Status {
    auto s1 = tx.housekeeping().Stats();
    if (!s1.ok()) return s1.status();
    before = s1->users;
    std::thread([&] { InsertUser(*store, 2); }).join();
    auto s2 = tx.housekeeping().Stats();
    if (!s2.ok()) return s2.status();
    after = s2->users;
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(CountUsers(*store), 2);
}

TEST(SqliteStore, ManyConcurrentReadersShareASmallPool) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  SqliteOptions options;
  options.path = dir.File("vpnhub.db");
  options.read_connections = 2;
  auto opened = SqliteStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  SqliteStore& store = **opened;
  InsertUser(store, 1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (CountUsers(store) != 1) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace vpnhub::storage
