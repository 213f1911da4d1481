#include "queue/jetstream_batch.hpp"

#include <gtest/gtest.h>

namespace vpnhub::queue {
namespace {

using std::chrono::milliseconds;
using usecases::TaskOutcome;

const Time kNow = FromUnixMs(1'800'000'000'000);

Task TaskWith(Id id, TaskState state = TaskState::kRunning, Time next = kNow, int attempts = 1) {
  Task t;
  t.id = id;
  t.state = state;
  t.next_attempt_at = next;
  t.attempts = attempts;
  return t;
}

TEST(PlanBatchTest, FirstMessagePerTaskSpeaksExtrasAndUnreadableAreSetApart) {
  // Messages: task 7, unreadable, task 3, task 7 again (a redelivery), task 5.
  BatchPlan plan = PlanBatch({7, std::nullopt, 3, 7, 5});
  EXPECT_EQ(plan.unreadable, (std::vector<std::size_t>{1}));
  EXPECT_EQ(plan.first_of, (std::map<Id, std::size_t>{{3, 2}, {5, 4}, {7, 0}}));
  EXPECT_EQ(plan.extra, (std::vector<std::pair<std::size_t, Id>>{{3, 7}}));
  EXPECT_EQ(plan.task_ids(), (std::vector<Id>{3, 5, 7}));
}

TEST(PlanBatchTest, EmptyAndAllUnreadable) {
  EXPECT_TRUE(PlanBatch({}).task_ids().empty());
  BatchPlan plan = PlanBatch({std::nullopt, std::nullopt});
  EXPECT_EQ(plan.unreadable.size(), 2u);
  EXPECT_TRUE(plan.task_ids().empty());
}

TEST(OrderByMessageTest, ClaimedTasksFollowTheirMessages) {
  BatchPlan plan = PlanBatch({7, 3, 5});
  std::vector<Task> claimed = {TaskWith(3), TaskWith(5), TaskWith(7)};  // the claim's order
  OrderByMessage(claimed, plan);
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].id, 7);
  EXPECT_EQ(claimed[1].id, 3);
  EXPECT_EQ(claimed[2].id, 5);
}

TEST(LastChancesTest, TheLastDeliveryOfTheTasksOwnMessageCounts) {
  BatchPlan plan = PlanBatch({7, 3, 7});
  std::vector<Task> claimed = {TaskWith(7), TaskWith(3)};
  // Message 0 (task 7) on its 5th delivery, message 1 (task 3) on its 4th; the extra message 2
  // for task 7 does not count.
  const std::vector<std::uint64_t> delivered = {5, 4, 1};
  EXPECT_EQ(LastChances(claimed, plan, delivered, 5), (std::vector<bool>{true, false}));
  EXPECT_EQ(LastChances(claimed, plan, delivered, 4), (std::vector<bool>{true, true}));
  EXPECT_EQ(LastChances(claimed, plan, delivered, 0), (std::vector<bool>{false, false}));
}

TEST(ReplyToOutcomeTest, EachOutcomeHasItsAnswer) {
  RetryPolicy policy;
  policy.base = milliseconds(250);
  const Task task = TaskWith(1, TaskState::kRunning, kNow + milliseconds(1500), /*attempts=*/3);
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kDone, task, policy, kNow), Reply::Ack());
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kRetryLater, task, policy, kNow),
            Reply::Nak(milliseconds(1000)));  // 250 ms doubled twice
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kFailed, task, policy, kNow), Reply::Term());
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kReleased, task, policy, kNow),
            Reply::Nak(milliseconds(0)));
  // Unrecorded: back when the claim's lease has ended, never sooner than 200 ms.
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kUnrecorded, task, policy, kNow),
            Reply::Nak(milliseconds(1500)));
  EXPECT_EQ(ReplyToOutcome(TaskOutcome::kUnrecorded, task, policy, kNow + milliseconds(1450)),
            Reply::Nak(milliseconds(200)));
}

TEST(ReplyFromRowTest, SettledRowsAckBusyOnesNakUnknownOnesTerm) {
  EXPECT_EQ(ReplyFromRow(std::nullopt, kNow), Reply::Term());
  EXPECT_EQ(ReplyFromRow(TaskWith(1, TaskState::kDone), kNow), Reply::Ack());
  EXPECT_EQ(ReplyFromRow(TaskWith(1, TaskState::kFailed), kNow), Reply::Ack());
  EXPECT_EQ(ReplyFromRow(TaskWith(1, TaskState::kPending, kNow + milliseconds(3000)), kNow),
            Reply::Nak(milliseconds(3000)));
  EXPECT_EQ(ReplyFromRow(TaskWith(1, TaskState::kRunning, kNow - milliseconds(10)), kNow),
            Reply::Nak(milliseconds(200)));
  EXPECT_EQ(ReplyAfterReadError(), Reply::Nak(milliseconds(1000)));
}

}  // namespace
}  // namespace vpnhub::queue
