// PostgresStore: the caller's WriteKind chooses the isolation of a write transaction. A kQueue
// write sees what another transaction committed while it ran (READ COMMITTED); a kDefault write
// keeps the snapshot of its first statement (SERIALIZABLE). No statement decides it.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>

#include "storage/pg_test_server.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {
namespace {

class PgIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    PostgresOptions options;
    options.url = db_->url();
    options.pool_size = 2;
    auto store = PostgresStore::Open(options);
    ASSERT_TRUE(IsOk(store));
    store_ = std::move(*store);
    ASSERT_TRUE(IsOk(Put("0")));
  }

  Status Put(const std::string& value) {
    return store_->Write(
        [&](ports::StoreTx& tx) { return tx.coordination().PutSetting("isolation", value); });
  }

  // A write of `kind` reads the setting, lets another transaction commit `next`, and reads it
  // again; returns what the second read saw.
  std::string SecondRead(ports::WriteKind kind, const std::string& next) {
    std::promise<void> read_once;
    std::promise<void> committed;
    std::shared_future<void> committed_future = committed.get_future().share();
    std::thread other([&] {
      read_once.get_future().wait();
      EXPECT_TRUE(IsOk(Put(next)));
      committed.set_value();
    });
    std::string second;
    int runs = 0;
    Status st = store_->Write(kind, [&](ports::StoreTx& tx) -> Status {
      if (++runs > 1) return Internal("run again: the test assumes one run");
      auto first = tx.coordination().GetSetting("isolation");
      if (!first.ok()) return first.status();
      read_once.set_value();
      committed_future.wait();
      auto again = tx.coordination().GetSetting("isolation");
      if (!again.ok()) return again.status();
      second = again->value_or("");
      return Status::Ok();
    });
    other.join();
    EXPECT_TRUE(IsOk(st));
    return second;
  }

  std::unique_ptr<PgTestDatabase> db_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PgIsolationTest, AQueueWriteSeesWhatCommittedMeanwhile) {
  EXPECT_EQ(SecondRead(ports::WriteKind::kQueue, "1"), "1");
}

TEST_F(PgIsolationTest, ADefaultWriteKeepsItsSnapshot) {
  EXPECT_EQ(SecondRead(ports::WriteKind::kDefault, "1"), "0");
}

// The kind is the caller's alone: a default write that begins with a queue operation (a claim)
// keeps its snapshot too, where it used to switch to READ COMMITTED.
TEST_F(PgIsolationTest, TheFirstStatementDoesNotChooseTheIsolation) {
  std::promise<void> claimed;
  std::promise<void> committed;
  std::shared_future<void> committed_future = committed.get_future().share();
  std::thread other([&] {
    claimed.get_future().wait();
    EXPECT_TRUE(IsOk(Put("2")));
    committed.set_value();
  });
  std::string second;
  Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
    auto none = tx.tasks().ClaimTasks(FromUnixMs(0), std::chrono::seconds(60), 10);
    if (!none.ok()) return none.status();
    claimed.set_value();
    committed_future.wait();
    auto again = tx.coordination().GetSetting("isolation");
    if (!again.ok()) return again.status();
    second = again->value_or("");
    return Status::Ok();
  });
  other.join();
  EXPECT_TRUE(IsOk(st));
  EXPECT_EQ(second, "0");
}

}  // namespace
}  // namespace vpnhub::storage
