// SqliteStore: the retention purge and the counts behind the statistics stay on their indexes,
// so they cost what they delete or count, however many settled rows and keys there are.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite_test_util.hpp"

namespace vpnhub::storage {
namespace {

std::string Plan(SqliteStore::IndexedQuery query) {
  TempDir dir;
  EXPECT_TRUE(dir.ok());
  auto store = SqliteStore::Open({dir.File("vpnhub.db")});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return "";
  auto plan = (*store)->ExplainQuery(query);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : "";
}

// The oldest done tasks, from the index that holds only done tasks, in its order: no sort of all
// done tasks, no walk of the open ones.
TEST(SqliteRetention, PurgeDoneTasksWalksTheDoneIndexOldestFirst) {
  const std::string plan = Plan(SqliteStore::IndexedQuery::kPurgeDoneTasks);
  EXPECT_NE(plan.find("INDEX tasks_done_settled (updated_at<?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN tasks"), std::string::npos) << plan;
}

TEST(SqliteRetention, PurgeSettledMessagesWalksTheSettledIndexOldestFirst) {
  const std::string plan = Plan(SqliteStore::IndexedQuery::kPurgeMessages);
  EXPECT_NE(plan.find("INDEX outgoing_messages_settled (updated_at<?)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN outgoing_messages"), std::string::npos) << plan;
}

// The sender's queue depth: the pending entries of the state index, not the sent history.
TEST(SqliteRetention, CountMessagesCountsOneRangeOfTheStateIndex) {
  const std::string plan = Plan(SqliteStore::IndexedQuery::kCountMessages);
  EXPECT_NE(plan.find("USING COVERING INDEX outgoing_messages_state (state=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

// A database migrated with users and keys already in it starts its counters from their counts.
TEST(SqliteRetention, CountersStartFromTheRowsPresentAtMigration) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("vpnhub.db");
  {
    auto store = SqliteStore::Open({path});
    ASSERT_TRUE(store.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // Back to the schema before migration 0007, with rows added meanwhile.
  const char* sql =
      "DROP TRIGGER users_count_insert; DROP TRIGGER users_count_delete; "
      "DROP TRIGGER keys_count_insert; DROP TRIGGER keys_count_delete; "
      "DROP TRIGGER keys_count_state; DROP TABLE stat_counters; "
      "DROP INDEX tasks_done_settled; DROP INDEX outgoing_messages_settled; "
      "DELETE FROM schema_migrations WHERE version = 7; "
      "INSERT INTO users (id, tg_id, created_at) VALUES (1, 1, 0), (2, 2, 0); "
      "INSERT INTO locations (id, name) VALUES (1, 'nl'); "
      "INSERT INTO servers (id, location_id, kind, name, created_at) "
      "VALUES (1, 1, 'shadowsocks', 'nl-1', 0); "
      "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, holds_slot, "
      "expires_at, created_at, updated_at) VALUES "
      "(1, 1, 'a', 1, 's', 'active', 1, 0, 0, 0), (1, 1, 'b', 2, 's', 'active', 1, 0, 0, 0), "
      "(2, 1, 'c', 3, 's', 'revoked', 0, 0, 0, 0)";
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(db);

  auto store = SqliteStore::Open({path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ports::StoreStats stats;
  ASSERT_TRUE((*store)
                  ->Read([&](ports::StoreTx& tx) -> Status {
                    auto s = tx.housekeeping().Stats();
                    if (!s.ok()) return s.status();
                    stats = *s;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(stats.users, 2);
  EXPECT_EQ(stats.keys_by_state,
            (std::map<KeyState, std::int64_t>{{KeyState::kActive, 2}, {KeyState::kRevoked, 1}}));
}

}  // namespace
}  // namespace vpnhub::storage
