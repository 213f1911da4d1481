// RetentionPurge over the in-memory store and a fake clock.
#include "core/usecases/retention.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"
#include "fakes/memory_store.hpp"

namespace vpnhub {
namespace {

using std::chrono::hours;

class RetentionTest : public ::testing::Test {
 protected:
  // A task run to `to` (done or failed) at the clock's now.
  Id SettledTask(TaskState to) {
    Id id = 0;
    const Time now = clock_.Now();
    EXPECT_TRUE(store_
                    ->Write([&](ports::StoreTx& tx) -> Status {
                      auto t = tx.tasks().EnqueueTask(TaskKind::kRevokeKey, 1, now);
                      if (!t.ok()) return t.status();
                      id = *t;
                      auto claimed = tx.tasks().ClaimTask(id, now, std::chrono::seconds(60));
                      if (!claimed.ok()) return claimed.status();
                      return to == TaskState::kDone ? tx.tasks().CompleteTask(id, now)
                                                    : tx.tasks().FailTask(id, "gone", now);
                    })
                    .ok());
    return id;
  }

  // A message sent at the clock's now.
  Id SentMessage() {
    Id id = 0;
    const Time now = clock_.Now();
    EXPECT_TRUE(store_
                    ->Write([&](ports::StoreTx& tx) -> Status {
                      OutgoingMessage m;
                      m.chat_id = 42;
                      m.next_attempt_at = now;
                      m.created_at = now;
                      auto added = tx.messages().EnqueueMessage(m);
                      if (!added.ok()) return added.status();
                      id = *added;
                      auto claimed = tx.messages().ClaimMessages(now, std::chrono::seconds(60), 1);
                      if (!claimed.ok()) return claimed.status();
                      return tx.messages().CompleteMessage(id, now);
                    })
                    .ok());
    return id;
  }

  bool TaskExists(Id id) {
    return store_->Read([&](ports::StoreTx& tx) { return tx.tasks().GetTask(id).status(); }).ok();
  }
  bool MessageExists(Id id) {
    return store_->Read([&](ports::StoreTx& tx) { return tx.messages().GetMessage(id).status(); })
        .ok();
  }

  fakes::FakeClock clock_;
  std::unique_ptr<fakes::MemoryStore> store_ = std::make_unique<fakes::MemoryStore>();
};

TEST_F(RetentionTest, DeletesWhatSettledBeforeTheRetentionInBatchesAndKeepsDeadLetters) {
  const Duration retention = hours(24 * 30);
  std::vector<Id> old_tasks = {SettledTask(TaskState::kDone), SettledTask(TaskState::kDone),
                               SettledTask(TaskState::kDone)};
  Id dead_letter = SettledTask(TaskState::kFailed);
  Id old_message = SentMessage();
  clock_.Advance(hours(24 * 20));
  Id recent_task = SettledTask(TaskState::kDone);
  Id recent_message = SentMessage();
  clock_.Advance(hours(24 * 11));  // the first rows are 31 days old, the others 11

  usecases::RetentionPurge purge(*store_, clock_, retention, /*batch_size=*/2);
  auto first = purge.Step();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->tasks, 2);
  EXPECT_EQ(first->messages, 1);
  EXPECT_TRUE(first->more) << "a full batch may have left older rows";
  auto second = purge.Step();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tasks, 1);
  EXPECT_EQ(second->messages, 0);
  EXPECT_FALSE(second->more);

  for (Id id : old_tasks) EXPECT_FALSE(TaskExists(id)) << id;
  EXPECT_FALSE(MessageExists(old_message));
  EXPECT_TRUE(TaskExists(dead_letter)) << "a failed task is a dead letter: kept";
  EXPECT_TRUE(TaskExists(recent_task));
  EXPECT_TRUE(MessageExists(recent_message));

  clock_.Advance(hours(24 * 365));
  auto later = purge.Step();
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->tasks, 1);
  EXPECT_EQ(later->messages, 1);
  EXPECT_TRUE(TaskExists(dead_letter));
}

}  // namespace
}  // namespace vpnhub
