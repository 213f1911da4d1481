// PostgresStore: the retention purge stays on its indexes, and the user and key counts kept as
// appended deltas stay exact while several processes change keys and fold at once.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "storage/pg_test_server.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {
namespace {

class PgRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  std::unique_ptr<PostgresStore> OpenStore() {
    PostgresOptions options;
    options.url = db_->url();
    options.pool_size = 4;
    auto store = PostgresStore::Open(options);
    EXPECT_TRUE(IsOk(store));
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<PgConnection> Connect() {
    auto conn = PgConnection::Open(db_->url(), std::chrono::seconds(10));
    EXPECT_TRUE(IsOk(conn));
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  static ports::StoreStats StatsOf(ports::Store& store) {
    ports::StoreStats out;
    Status st = store.Read([&](ports::StoreTx& tx) -> Status {
      auto s = tx.housekeeping().Stats();
      if (!s.ok()) return s.status();
      out = *s;
      return Status::Ok();
    });
    EXPECT_TRUE(IsOk(st));
    return out;
  }

  std::unique_ptr<PgTestDatabase> db_;
};

// With the settled rows by the hundred thousand (as weeks of service leave them) and a few open
// ones, a purge batch and the queue-depth count use the indexes that hold only their rows.
TEST_F(PgRetentionTest, PurgeAndCountQueriesUseTheirIndexes) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto raw = Connect();
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(IsOk(raw->Exec(
      "INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
      "updated_at) SELECT 'revoke_key', g, CASE WHEN g % 100 = 0 THEN 'pending' ELSE 'done' END, "
      "1, g, g, g FROM generate_series(1, 100000) g; "
      "INSERT INTO outgoing_messages (chat_id, kind, priority, state, next_attempt_at, "
      "created_at, updated_at) SELECT g, 'key_ready', 2, CASE WHEN g % 100 = 0 THEN 'pending' "
      "ELSE 'sent' END, g, g, g FROM generate_series(1, 100000) g")));
  ASSERT_TRUE(IsOk(raw->Exec("VACUUM ANALYZE tasks")));
  ASSERT_TRUE(IsOk(raw->Exec("VACUUM ANALYZE outgoing_messages")));
  const std::pair<PostgresStore::IndexedQuery, const char*> expected[] = {
      {PostgresStore::IndexedQuery::kPurgeDoneTasks, "tasks_done_settled"},
      {PostgresStore::IndexedQuery::kPurgeDoneTasks, "tasks_pkey"},
      {PostgresStore::IndexedQuery::kPurgeMessages, "outgoing_messages_settled"},
      {PostgresStore::IndexedQuery::kPurgeMessages, "outgoing_messages_pkey"},
      // Any index holding the pending rows will do (the planner likes the partial ones).
      {PostgresStore::IndexedQuery::kCountMessages, "Index"},
  };
  for (const auto& [query, index] : expected) {
    auto plan = store->ExplainQuery(query);
    ASSERT_TRUE(IsOk(plan));
    EXPECT_NE(plan->find(index), std::string::npos) << "expected " << index << " in:\n" << *plan;
    EXPECT_EQ(plan->find("Seq Scan"), std::string::npos) << *plan;
  }
}

// Two processes move keys through their states and fold the deltas while they do: the counts
// Stats reports afterwards are exactly the rows in each state.
TEST_F(PgRetentionTest, CountsStayExactUnderConcurrentChangesAndFolds) {
  constexpr int kKeys = 600;
  auto a = OpenStore();
  auto b = OpenStore();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto raw = Connect();
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(IsOk(raw->Exec(
      "INSERT INTO locations (name) VALUES ('nl'); "
      "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, created_at)"
      " VALUES (1, 'shadowsocks', 'nl-1', '{}', 'h', 100000, 0); "
      "INSERT INTO users (tg_id, created_at) SELECT g, 0 FROM generate_series(1, 600) g; "
      "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
      "created_at, updated_at) SELECT g, 1, 'k' || g, g, 's', 'active', g, 0, 0 "
      "FROM generate_series(1, 600) g")));

  std::atomic<int> errors{0};
  std::atomic<bool> done{false};
  // Sweepers expire keys in small batches; revokers finish them one by one; a folder folds.
  std::atomic<int> sweepers_left{2};
  auto sweeper = [&](PostgresStore& store) {
    for (;;) {
      std::size_t n = 0;
      Status st = store.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
        auto keys = tx.keys().ExpireDueKeys(FromUnixMs(kKeys), 7, 7);
        if (!keys.ok()) return keys.status();
        n = keys->size();
        return Status::Ok();
      });
      if (!st.ok()) ++errors;
      if (!st.ok() || n == 0) break;
    }
    --sweepers_left;
  };
  // Passes over its half of the keys, revoking those the sweepers moved, until the sweepers are
  // done and a pass after that: every key ends revoked.
  auto revoker = [&](PostgresStore& store, int parity) {
    for (bool last_pass = false; !last_pass;) {
      last_pass = sweepers_left.load() == 0;
      for (Id id = 1 + parity; id <= kKeys; id += 2) {
        Status st = store.Write([&](ports::StoreTx& tx) -> Status {
          Status moved = tx.keys().UpdateKeyState(id, KeyState::kRevoking, KeyState::kRevoked,
                                                  FromUnixMs(kKeys), "");
          return moved.code() == StatusCode::kConflict ? Status::Ok() : moved;
        });
        if (!st.ok()) ++errors;
      }
    }
  };
  auto folder = [&](PostgresStore& store) {
    while (!done.load()) {
      const Status fold = store.Write(ports::WriteKind::kQueue, [](ports::StoreTx& tx) {
        return tx.housekeeping().FoldStatCounters();
      });
      if (!fold.ok()) ++errors;
    }
  };
  std::thread fold_a(folder, std::ref(*a));
  std::thread fold_b(folder, std::ref(*b));
  {
    std::vector<std::thread> threads;
    threads.emplace_back(sweeper, std::ref(*a));
    threads.emplace_back(sweeper, std::ref(*b));
    threads.emplace_back(revoker, std::ref(*a), 0);
    threads.emplace_back(revoker, std::ref(*b), 1);
    for (auto& t : threads) t.join();
  }
  done = true;
  fold_a.join();
  fold_b.join();
  EXPECT_EQ(errors.load(), 0);

  auto truth = raw->Query("SELECT state, count(*) FROM keys GROUP BY state");
  ASSERT_TRUE(IsOk(truth));
  std::map<KeyState, std::int64_t> counted;
  for (int r = 0; r < truth->rows(); ++r) {
    counted[*ParseKeyState(truth->Text(r, 0))] = truth->Int64(r, 1);
  }
  EXPECT_EQ(counted, (std::map<KeyState, std::int64_t>{{KeyState::kRevoked, kKeys}}));
  EXPECT_EQ(StatsOf(*a).keys_by_state, counted);
  EXPECT_EQ(StatsOf(*a).users, kKeys);
  ASSERT_TRUE(IsOk(a->Write(ports::WriteKind::kQueue, [](ports::StoreTx& tx) {
    return tx.housekeeping().FoldStatCounters();
  })));
  EXPECT_EQ(StatsOf(*b).keys_by_state, counted);
  auto deltas = raw->Query("SELECT count(*) FROM stat_deltas");
  ASSERT_TRUE(IsOk(deltas));
  EXPECT_EQ(deltas->Int64(0, 0), 0) << "a fold leaves no delta behind";
}

// A database that already holds users and keys when migration 0007 runs starts its counters from
// their counts.
TEST_F(PgRetentionTest, CountersStartFromTheRowsPresentAtMigration) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
  }
  auto raw = Connect();
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(IsOk(raw->Exec(
      "DROP TABLE stat_counters, stat_deltas CASCADE; "
      "DROP TRIGGER users_count_insert ON users; DROP TRIGGER users_count_delete ON users; "
      "DROP TRIGGER keys_count_insert ON keys; DROP TRIGGER keys_count_delete ON keys; "
      "DROP TRIGGER keys_count_update ON keys; "
      "DROP FUNCTION vpnhub_count_users_inserted, vpnhub_count_users_deleted, "
      "vpnhub_count_keys_inserted, vpnhub_count_keys_deleted, vpnhub_count_keys_updated; "
      "DROP INDEX tasks_done_settled, outgoing_messages_settled; "
      "DELETE FROM schema_migrations WHERE version = 7; "
      "INSERT INTO users (tg_id, created_at) VALUES (1, 0), (2, 0); "
      "INSERT INTO locations (name) VALUES ('nl'); "
      "INSERT INTO servers (location_id, kind, name, created_at) "
      "VALUES (1, 'shadowsocks', 'nl-1', 0); "
      "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, holds_slot, "
      "expires_at, created_at, updated_at) VALUES "
      "(1, 1, 'a', 1, 's', 'active', true, 0, 0, 0), (1, 1, 'b', 2, 's', 'active', true, 0, 0, 0),"
      " (2, 1, 'c', 3, 's', 'revoked', false, 0, 0, 0)")));
  auto store = OpenStore();  // migrates again
  ASSERT_NE(store, nullptr);
  const ports::StoreStats stats = StatsOf(*store);
  EXPECT_EQ(stats.users, 2);
  EXPECT_EQ(stats.keys_by_state,
            (std::map<KeyState, std::int64_t>{{KeyState::kActive, 2}, {KeyState::kRevoked, 1}}));
}

}  // namespace
}  // namespace vpnhub::storage
