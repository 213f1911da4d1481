// The test stores themselves: MemoryStore keeps what is committed and never touches the disk;
// FaultStore injects exactly the faults it is told to, and counts them.
#include "fakes/fault_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fakes/memory_store.hpp"

namespace vpnhub::fakes {
namespace {

using std::chrono::milliseconds;

class FaultStoreTest : public ::testing::Test {
 protected:
  // Writes setting `name` = `value` through `store`.
  Status Put(ports::Store& store, const std::string& name, const std::string& value = "v") {
    return store.Write(
        [&](ports::StoreTx& tx) { return tx.coordination().PutSetting(name, value); });
  }
  // Whether the setting is in the real store.
  bool Has(const std::string& name) {
    bool found = false;
    EXPECT_TRUE(memory
                    .Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.coordination().GetSetting(name);
                      if (!r.ok()) return r.status();
                      found = r->has_value();
                      return Status::Ok();
                    })
                    .ok());
    return found;
  }
  // A read through `faults` that notes whether its callback ran.
  Status Read(bool& ran) {
    ran = false;
    return faults.Read([&](ports::StoreTx&) {
      ran = true;
      return Status::Ok();
    });
  }

  MemoryStore memory;
  FaultStore faults{memory};
};

TEST_F(FaultStoreTest, WithoutFaultsEverythingPassesThrough) {
  ASSERT_TRUE(Put(faults, "a").ok());
  EXPECT_TRUE(Has("a"));
  bool ran = false;
  EXPECT_TRUE(Read(ran).ok());
  EXPECT_TRUE(ran);
  EXPECT_TRUE(faults.Ping().ok());
  const FaultStore::Counts c = faults.counts();
  EXPECT_EQ(c.failed_commits + c.ambiguous_commits + c.failed_reads + c.refused + c.delayed, 0);
}

TEST_F(FaultStoreTest, AFailedCommitRunsTheCallbackThenRollsBack) {
  faults.FailCommits(2);
  int runs = 0;
  Status st = faults.Write([&](ports::StoreTx& tx) {
    ++runs;
    return tx.coordination().PutSetting("a", "v");
  });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(Has("a"));
  EXPECT_EQ(Put(faults, "b").code(), StatusCode::kUnavailable);
  ASSERT_TRUE(Put(faults, "c").ok());  // two only
  EXPECT_TRUE(Has("c"));
  EXPECT_EQ(faults.counts().failed_commits, 2);
}

TEST_F(FaultStoreTest, ACallbackErrorWinsOverTheInjectedFailure) {
  faults.FailCommits(1);
  Status st = faults.Write([](ports::StoreTx&) { return NotFound("mine"); });
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
}

TEST_F(FaultStoreTest, EveryCommitFailsUntilCancelled) {
  faults.FailCommits(FaultStore::kEvery);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Put(faults, "a").ok());
  faults.FailCommits(0);
  EXPECT_TRUE(Put(faults, "a").ok());
  EXPECT_EQ(faults.counts().failed_commits, 5);
}

TEST_F(FaultStoreTest, OnlyTheNthCommitFails) {
  faults.FailNthCommit(3);
  EXPECT_TRUE(Put(faults, "1").ok());
  EXPECT_TRUE(Put(faults, "2").ok());
  EXPECT_EQ(Put(faults, "3").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Put(faults, "4").ok());
  EXPECT_TRUE(Has("1") && Has("2") && Has("4"));
  EXPECT_FALSE(Has("3"));
  EXPECT_EQ(faults.counts().failed_commits, 1);
}

TEST_F(FaultStoreTest, AnAmbiguousCommitCommitsButReportsAFailure) {
  faults.AmbiguousCommits(1);
  EXPECT_EQ(Put(faults, "a").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Has("a"));
  EXPECT_TRUE(Put(faults, "b").ok());
  EXPECT_EQ(faults.counts().ambiguous_commits, 1);
}

TEST_F(FaultStoreTest, FailedReadsDoNotRunTheirCallbackAndWritesGoOn) {
  faults.FailReads(1);
  bool ran = true;
  EXPECT_EQ(Read(ran).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(Put(faults, "a").ok());
  EXPECT_TRUE(Read(ran).ok());
  EXPECT_TRUE(ran);
  faults.FailReads(FaultStore::kEvery);
  EXPECT_FALSE(Read(ran).ok());
  EXPECT_FALSE(Read(ran).ok());
  EXPECT_TRUE(faults.Ping().ok());
  EXPECT_EQ(faults.counts().failed_reads, 3);
}

TEST_F(FaultStoreTest, ALostConnectionRefusesEverythingUntilRestored) {
  faults.LoseConnection();
  int runs = 0;
  Status st = faults.Write([&](ports::StoreTx& tx) {
    ++runs;
    return tx.coordination().PutSetting("a", "v");
  });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  bool ran = false;
  EXPECT_EQ(Read(ran).code(), StatusCode::kUnavailable);
  EXPECT_EQ(faults.Ping().code(), StatusCode::kUnavailable);
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(Has("a"));
  EXPECT_EQ(faults.counts().refused, 3);
  faults.RestoreConnection();
  EXPECT_TRUE(Put(faults, "a").ok());
  EXPECT_TRUE(faults.Ping().ok());
}

TEST_F(FaultStoreTest, LatencyDelaysEveryCall) {
  faults.AddLatency(milliseconds(30));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Put(faults, "a").ok());
  bool ran = false;
  ASSERT_TRUE(Read(ran).ok());
  ASSERT_TRUE(faults.Ping().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(90));
  EXPECT_EQ(faults.counts().delayed, 3);
  faults.AddLatency(milliseconds(0));
  ASSERT_TRUE(Put(faults, "b").ok());
  EXPECT_EQ(faults.counts().delayed, 3);
}

TEST_F(FaultStoreTest, ThreadsShareTheFaultsExactly) {
  faults.FailCommits(10);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!Put(faults, std::to_string(t) + "-" + std::to_string(i)).ok()) ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 10);
  EXPECT_EQ(faults.counts().failed_commits, 10);
  auto rows = memory.QueryInt("SELECT count(*) FROM settings");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 90);
}

TEST(MemoryStoreTest, EachStoreIsItsOwnDatabase) {
  MemoryStore a, b;
  ASSERT_TRUE(a.Sql("INSERT INTO settings (name, value) VALUES ('x', '1')").ok());
  auto in_a = a.QueryInt("SELECT count(*) FROM settings WHERE name = 'x'");
  auto in_b = b.QueryInt("SELECT count(*) FROM settings WHERE name = 'x'");
  ASSERT_TRUE(in_a.ok() && in_b.ok());
  EXPECT_EQ(*in_a, 1);
  EXPECT_EQ(*in_b, 0);
  EXPECT_TRUE(a.Ping().ok());
  EXPECT_EQ(a.Sql("NOT SQL").code(), StatusCode::kInternal);
  EXPECT_FALSE(a.QueryInt("SELECT 1 WHERE 0").ok());
}

}  // namespace
}  // namespace vpnhub::fakes
