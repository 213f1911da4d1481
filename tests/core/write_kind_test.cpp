// Which WriteKind each use case asks for: queue work (recording a claimed batch, the expiry sweep,
// the retention purge) says kQueue, which PostgreSQL runs at READ COMMITTED; everything else
// keeps the default. The in-memory SQLite store treats both alike, so a wrapper records them.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/retention.hpp"
#include "core/usecases/task_service.hpp"
#include "fakes/fault_store.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using Kinds = std::vector<ports::WriteKind>;
constexpr ports::WriteKind kDefault = ports::WriteKind::kDefault;
constexpr ports::WriteKind kQueue = ports::WriteKind::kQueue;

// Forwards to a real store and remembers the kind of every write. Not thread-safe.
class RecordingStore : public ports::Store {
 public:
  explicit RecordingStore(ports::Store& inner) : inner_(inner) {}

  Status Read(const TxFn& fn) override { return inner_.Read(fn); }
  Status Ping() override { return inner_.Ping(); }
  // The kinds of the writes since the last call, in order.
  Kinds Take() { return std::exchange(kinds_, {}); }

 private:
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    kinds_.push_back(kind);
    return inner_.Write(kind, fn);
  }

  ports::Store& inner_;
  Kinds kinds_;
};

class WriteKindTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    recorder = std::make_unique<RecordingStore>(*store);
  }

  std::unique_ptr<RecordingStore> recorder;
};

TEST_F(WriteKindTest, AWriteWithoutAKindIsADefaultWrite) {
  ASSERT_TRUE(recorder->Write([](ports::StoreTx&) { return Status::Ok(); }).ok());
  ASSERT_TRUE(recorder->Write(kQueue, [](ports::StoreTx&) { return Status::Ok(); }).ok());
  EXPECT_EQ(recorder->Take(), (Kinds{kDefault, kQueue}));
}

TEST_F(WriteKindTest, IssuingRetryingAndRevokingAreDefaultWrites) {
  AddServer(2);
  usecases::KeyService keys_over_recorder(*recorder, backends, secrets, clock, "en");
  auto issued = keys_over_recorder.Issue(Request(7));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  // The provisioning gives up (straight on the store, not recorded) so that it can be retried.
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) -> Status {
                    auto claimed = tx.tasks().ClaimTask(issued->task_id, clock.Now(),
                                                        std::chrono::seconds(60));
                    if (!claimed.ok()) return claimed.status();
                    return tx.tasks().FailTask(issued->task_id, "gave up", clock.Now());
                  })
                  .ok());
  usecases::TaskService tasks(*recorder, clock);
  auto retried = tasks.Retry(issued->task_id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  ASSERT_TRUE(keys_over_recorder.Revoke(issued->key.id, "test").ok());
  EXPECT_EQ(recorder->Take(), (Kinds{kDefault, kDefault, kDefault}));
}

TEST_F(WriteKindTest, RecordingAClaimedBatchIsQueueWork) {
  AddServer(2);
  auto issued = keys->Issue(Request(7));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  usecases::TaskExecutor executor_over_recorder(*recorder, backends, clock, log, RetryPolicy{});
  const std::vector<usecases::TaskOutcome> outcomes =
      executor_over_recorder.RunClaimedBatch({Claim(issued->task_id)});
  EXPECT_EQ(outcomes, std::vector<usecases::TaskOutcome>{usecases::TaskOutcome::kDone});
  EXPECT_EQ(recorder->Take(), Kinds{kQueue});
}

// The batch's commit fails, so each outcome is recorded on its own: queue work as well.
TEST_F(WriteKindTest, RecordingTaskByTaskAfterAFailedBatchIsQueueWork) {
  AddServer(2);
  auto first = keys->Issue(Request(7));
  auto second = keys->Issue(Request(8));
  ASSERT_TRUE(first.ok() && second.ok());
  fakes::FaultStore failing(*recorder);
  failing.FailCommits(1);
  usecases::TaskExecutor executor_over_recorder(failing, backends, clock, log, RetryPolicy{});
  const std::vector<usecases::TaskOutcome> outcomes =
      executor_over_recorder.RunClaimedBatch({Claim(first->task_id), Claim(second->task_id)});
  EXPECT_EQ(outcomes, std::vector<usecases::TaskOutcome>(2, usecases::TaskOutcome::kDone));
  EXPECT_EQ(failing.counts().failed_commits, 1);
  EXPECT_EQ(recorder->Take(), (Kinds{kQueue, kQueue, kQueue}));
}

TEST_F(WriteKindTest, TheExpirySweepAndTheRetentionPurgeAreQueueWork) {
  usecases::ExpirySweep sweep(*recorder, clock, /*batch_size=*/10);
  ASSERT_TRUE(sweep.Run().ok());
  usecases::RetentionPurge purge(*recorder, clock, std::chrono::hours(24), /*batch_size=*/10);
  ASSERT_TRUE(purge.Step().ok());
  EXPECT_EQ(recorder->Take(), (Kinds{kQueue, kQueue, kQueue}));
}

}  // namespace
}  // namespace vpnhub
