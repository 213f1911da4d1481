// The embedded worker over a real SQLite file: batches grow under a flood of quick tasks and
// every task still runs exactly once; a slow VPN server makes batches release what they did not
// start, and nothing runs twice or is lost.
#include "queue/embedded_worker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "app/test_config.hpp"
#include "app/use_cases.hpp"
#include "core/usecases/backends.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_secrets.hpp"
#include "metrics/registry.hpp"
#include "queue/queue_test_util.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub {
namespace {

class EmbeddedWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/vpnhub-worker-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(path_.c_str());
    auto s = storage::SqliteStore::Open({path_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    backends_.Add(&backend_);
    // As `vpnhub serve` wires them, with the default settings.
    wired_ = app::MakeUseCases(app::TestConfig(), {*store_, backends_, clock_, secrets_, log_});
    ASSERT_TRUE(wired_.catalog->AddLocation("nl").ok());
    Server server;
    server.kind = "shadowsocks";
    server.public_host = "vpn.example.com";
    server.capacity = 5000;
    server.name = "nl-1";
    ASSERT_TRUE(wired_.catalog->AddServer("nl", server).ok());
  }

  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  void Issue(int count) { ASSERT_TRUE(queue_test::IssueKeys(*wired_.keys, count)); }

  std::vector<Task> Tasks() { return queue_test::AllTasks(*store_); }

  // Waits until every task is done (or the deadline passes); true when they all are.
  bool WaitAllDone(std::chrono::seconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      bool all_done = true;
      for (const Task& t : Tasks()) all_done = all_done && t.state == TaskState::kDone;
      if (all_done) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  double Processed(const char* outcome) {
    return registry_
        .GetCounter("vpnhub_tasks_processed_total", "Tasks run by the worker, by outcome",
                    {{"kind", "provision_key"}, {"outcome", outcome}})
        .Value();
  }

  std::string path_;
  queue_test::WallClock clock_;
  fakes::FakeSecrets secrets_;
  fakes::FakeBackend backend_;
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  usecases::Backends backends_;
  std::unique_ptr<storage::SqliteStore> store_;
  app::UseCases wired_;
};

TEST_F(EmbeddedWorkerTest, AFloodOfQuickTasksRunsEachOnceInGrowingBatches) {
  constexpr int kTasks = 1000;
  Issue(kTasks);
  queue::EmbeddedWorkerOptions options;
  options.concurrency = 2;
  options.max_batch = 64;
  options.idle_poll = std::chrono::milliseconds(20);
  queue::EmbeddedWorker worker(*store_, *wired_.executor, clock_, log_, registry_, options);
  worker.Start();
  const bool done = WaitAllDone(std::chrono::seconds(60));
  worker.Stop();
  ASSERT_TRUE(done);
  EXPECT_EQ(backend_.creates(), kTasks);  // each key created exactly once
  EXPECT_EQ(Processed("done"), kTasks);
  int max_attempts = 0;
  for (const Task& t : Tasks()) max_attempts = std::max(max_attempts, t.attempts);
  EXPECT_EQ(max_attempts, 1);
  // Batching happened: a batch's outcomes are recorded in one transaction with one time, so
  // the done tasks carry far fewer distinct updated_at values than there are tasks.
  std::set<std::int64_t> claims;
  for (const Task& t : Tasks()) claims.insert(ToUnixMs(t.updated_at));
  EXPECT_LT(claims.size(), static_cast<std::size_t>(kTasks / 4));
}

// serve wakes the sender from after_batch, so a key's message goes out without waiting for the
// sender's idle poll: the hook must run after every batch that ran tasks, once its outcomes are
// committed, and never for an idle look at an empty queue.
TEST_F(EmbeddedWorkerTest, AfterABatchTheHookRunsOnceItsOutcomesAreCommitted) {
  Issue(1);
  std::atomic<int> calls{0};
  std::atomic<int> done_when_called{-1};
  queue::EmbeddedWorkerOptions options;
  options.concurrency = 1;
  options.idle_poll = std::chrono::milliseconds(5);  // many idle looks while the test waits
  options.after_batch = [&] {
    if (calls++ == 0) {
      int done = 0;
      for (const Task& t : Tasks()) done += t.state == TaskState::kDone ? 1 : 0;
      done_when_called = done;
    }
  };
  auto wait_calls = [&](int n) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (calls < n && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return calls >= n;
  };
  queue::EmbeddedWorker worker(*store_, *wired_.executor, clock_, log_, registry_, options);
  worker.Start();
  const bool first = wait_calls(1);
  // Idle looks (every 5 ms) while the second key is issued; its batch calls the hook again.
  Issue(1);
  const bool second = wait_calls(2) && WaitAllDone(std::chrono::seconds(30));
  worker.Stop();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(done_when_called.load(), 1);
  EXPECT_EQ(calls.load(), 2);  // one per batch that ran tasks, none for the idle looks
}

// serve nudges the worker after every handled update, so a bought key is made at once: a nudge
// runs new tasks without waiting for the idle poll (a minute here).
TEST_F(EmbeddedWorkerTest, ANudgeRunsNewTasksWithoutWaitingForTheIdlePoll) {
  Issue(1);
  std::atomic<int> batches{0};
  queue::EmbeddedWorkerOptions options;
  options.concurrency = 2;
  options.idle_poll = std::chrono::seconds(60);
  options.after_batch = [&] { ++batches; };
  queue::EmbeddedWorker worker(*store_, *wired_.executor, clock_, log_, registry_, options);
  worker.Start();
  // The first key is claimed at start; then both threads find nothing and sleep.
  const bool first = WaitAllDone(std::chrono::seconds(30));
  Issue(1);
  worker.Nudge();
  const auto nudged = std::chrono::steady_clock::now();
  const bool second = WaitAllDone(std::chrono::seconds(30));
  const auto took = std::chrono::steady_clock::now() - nudged;
  worker.Stop();
  ASSERT_TRUE(first && second);
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_EQ(batches.load(), 2);
}

TEST_F(EmbeddedWorkerTest, ASlowServerMakesBatchesReleaseWhatTheyDidNotStart) {
  constexpr int kTasks = 40;
  Issue(kTasks);
  // 10 ms per call (quick enough for batches to grow) against a 120 ms lease: a batch starts no
  // call after 40 ms, so once batches reach 8 each runs about 5 and releases the rest, which the
  // next claims pick up at once. One thread: no other claimer, so nothing can run twice.
  backend_.SetDelay(std::chrono::milliseconds(10));
  queue::EmbeddedWorkerOptions options;
  options.concurrency = 1;
  options.max_batch = 64;
  options.lease = std::chrono::milliseconds(120);
  options.idle_poll = std::chrono::milliseconds(20);
  queue::EmbeddedWorker worker(*store_, *wired_.executor, clock_, log_, registry_, options);
  worker.Start();
  const bool done = WaitAllDone(std::chrono::seconds(60));
  worker.Stop();
  ASSERT_TRUE(done);
  EXPECT_EQ(backend_.creates(), kTasks);  // no lease ran out: nothing ran twice
  EXPECT_EQ(Processed("done"), kTasks);
  for (const Task& t : Tasks()) EXPECT_EQ(t.attempts, 1) << "task " << t.id;
  EXPECT_GT(registry_
                .GetCounter("vpnhub_tasks_released_total",
                            "Claimed tasks a worker batch gave back unstarted (it ran out of time)")
                .Value(),
            0);
}

}  // namespace
}  // namespace vpnhub
