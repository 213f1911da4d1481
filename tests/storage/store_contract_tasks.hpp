#pragma once
// Store contract: tasks (the outbox) and stats. Part of store_contract.hpp.
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, EnqueuedTaskIsPendingAndDueAtRunAt) {
  Id id = Enqueue(TaskKind::kProvisionKey, 42, At(100));
  Task t = GetTask(id);
  EXPECT_EQ(t.id, id);
  EXPECT_EQ(t.kind, TaskKind::kProvisionKey);
  EXPECT_EQ(t.subject_id, 42);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.next_attempt_at, At(100));
  EXPECT_EQ(t.last_error, "");

  auto missing = InRead([&](ports::StoreTx& tx) { return tx.tasks().GetTask(id + 1); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, ClaimTasksTakesDueTasksOldestFirstAndLeasesThem) {
  Id later = Enqueue(TaskKind::kRevokeKey, 1, At(20));
  Id first = Enqueue(TaskKind::kProvisionKey, 2, At(10));
  Id future = Enqueue(TaskKind::kProvisionKey, 3, At(500));
  Id same_time = Enqueue(TaskKind::kProvisionKey, 4, At(20));

  auto claimed =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(100), kLease, 10); });
  ASSERT_TRUE(IsOk(claimed));
  std::vector<Id> ids;
  for (const Task& t : *claimed) {
    ids.push_back(t.id);
    EXPECT_EQ(t.state, TaskState::kRunning);
    EXPECT_EQ(t.attempts, 1);
    EXPECT_EQ(t.next_attempt_at, At(100) + kLease);
  }
  EXPECT_EQ(ids, (std::vector<Id>{first, later, same_time}));
  Task stored = GetTask(later);
  EXPECT_EQ(stored.state, TaskState::kRunning);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(stored.next_attempt_at, At(100) + kLease);
  EXPECT_EQ(GetTask(future).state, TaskState::kPending);
}

TEST_P(StoreContract, ClaimTasksHonoursLimit) {
  for (int i = 0; i < 5; ++i) Enqueue(TaskKind::kProvisionKey, i, At(i));
  auto claimed =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(100), kLease, 2); });
  ASSERT_TRUE(IsOk(claimed));
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].subject_id, 0);
  EXPECT_EQ((*claimed)[1].subject_id, 1);
  auto next =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(100), kLease, 10); });
  ASSERT_TRUE(IsOk(next));
  EXPECT_EQ(next->size(), 3u);
}

TEST_P(StoreContract, ClaimedTaskIsNotClaimedAgainUntilItsLeaseEnds) {
  Id id = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  ClaimOrFail(id, At(10));  // lease ends at At(70)

  auto during =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(69), kLease, 10); });
  ASSERT_TRUE(IsOk(during));
  EXPECT_TRUE(during->empty());
  auto one = InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(id, At(69), kLease); });
  ASSERT_TRUE(IsOk(one));
  EXPECT_FALSE(one->has_value());

  auto after =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(70), kLease, 10); });
  ASSERT_TRUE(IsOk(after));
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, id);
  EXPECT_EQ((*after)[0].attempts, 2);
  EXPECT_EQ((*after)[0].state, TaskState::kRunning);
  EXPECT_EQ((*after)[0].next_attempt_at, At(70) + kLease);
}

TEST_P(StoreContract, ClaimTaskTakesOnlyAClaimableTask) {
  Id due = Enqueue(TaskKind::kRevokeKey, 9, At(5));
  Id not_yet = Enqueue(TaskKind::kRevokeKey, 10, At(50));

  auto early =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(not_yet, At(10), kLease); });
  ASSERT_TRUE(IsOk(early));
  EXPECT_FALSE(early->has_value());
  EXPECT_EQ(GetTask(not_yet).state, TaskState::kPending);

  auto got = InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(due, At(10), kLease); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, due);
  EXPECT_EQ((*got)->kind, TaskKind::kRevokeKey);
  EXPECT_EQ((*got)->subject_id, 9);
  EXPECT_EQ((*got)->state, TaskState::kRunning);
  EXPECT_EQ((*got)->attempts, 1);
  EXPECT_EQ((*got)->next_attempt_at, At(10) + kLease);

  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(due, At(11)); })));
  auto done =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(due, At(1000), kLease); });
  ASSERT_TRUE(IsOk(done));
  EXPECT_FALSE(done->has_value());

  auto absent =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(due + 100, At(10), kLease); });
  ASSERT_TRUE(IsOk(absent));
  EXPECT_FALSE(absent->has_value());
}

TEST_P(StoreContract, CompleteTaskMovesRunningToDone) {
  Id id = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(id, At(1)); }),
              StatusCode::kConflict));  // still pending
  ClaimOrFail(id, At(1));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(id, At(2)); })));
  Task t = GetTask(id);
  EXPECT_EQ(t.state, TaskState::kDone);
  EXPECT_EQ(t.updated_at, At(2));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(id, At(3)); }),
              StatusCode::kConflict));
}

TEST_P(StoreContract, RescheduleTaskMakesItPendingAgainLater) {
  Id id = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.tasks().RescheduleTask(id, At(100), "x", At(1));
  }),
                      StatusCode::kConflict));
  ClaimOrFail(id, At(1));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.tasks().RescheduleTask(id, At(100), "server down", At(2));
  })));
  Task t = GetTask(id);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.next_attempt_at, At(100));
  EXPECT_EQ(t.last_error, "server down");
  EXPECT_EQ(t.attempts, 1);
  EXPECT_EQ(t.updated_at, At(2));

  auto early =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(99), kLease, 10); });
  ASSERT_TRUE(IsOk(early));
  EXPECT_TRUE(early->empty());
  Task again = ClaimOrFail(id, At(100));
  EXPECT_EQ(again.attempts, 2);
}

TEST_P(StoreContract, FailTaskDeadLettersARunningTask) {
  Id id = Enqueue(TaskKind::kRevokeKey, 1, At(0));
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().FailTask(id, "x", At(1)); }),
      StatusCode::kConflict));
  ClaimOrFail(id, At(1));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.tasks().FailTask(id, "gave up", At(2)); })));
  Task t = GetTask(id);
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.last_error, "gave up");
  EXPECT_EQ(t.updated_at, At(2));
  auto claim =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(10'000), kLease, 10); });
  ASSERT_TRUE(IsOk(claim));
  EXPECT_TRUE(claim->empty());
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().FailTask(id, "again", At(3)); }),
      StatusCode::kConflict));
}

TEST_P(StoreContract, CompleteTasksMovesOnlyTheRunningOnes) {
  Id a = Enqueue(TaskKind::kRevokeKey, 1, At(0));
  Id b = Enqueue(TaskKind::kRevokeKey, 2, At(0));
  Id c = Enqueue(TaskKind::kRevokeKey, 3, At(0));
  ClaimOrFail(a, At(1));
  ClaimOrFail(c, At(1));
  auto n = InWrite([&](ports::StoreTx& tx) {
    return tx.tasks().CompleteTasks({a, b, c, c + 100}, At(5));
  });
  ASSERT_TRUE(IsOk(n));
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(GetTask(a).state, TaskState::kDone);
  EXPECT_EQ(GetTask(a).updated_at, At(5));
  EXPECT_EQ(GetTask(b).state, TaskState::kPending);  // never claimed: left alone
  EXPECT_EQ(GetTask(c).state, TaskState::kDone);
  auto again = InWrite([&](ports::StoreTx& tx) { return tx.tasks().CompleteTasks({a, c}, At(6)); });
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(*again, 0);
  auto empty = InWrite([&](ports::StoreTx& tx) { return tx.tasks().CompleteTasks({}, At(6)); });
  ASSERT_TRUE(IsOk(empty));
  EXPECT_EQ(*empty, 0);
}

TEST_P(StoreContract, ReleaseTaskGivesTheClaimBackWithoutCountingIt) {
  Id id = Enqueue(TaskKind::kRevokeKey, 9, At(0));
  Task claimed = ClaimOrFail(id, At(10));
  EXPECT_EQ(claimed.attempts, 1);
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().ReleaseTask(id, At(11)); })));
  Task t = GetTask(id);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.next_attempt_at, At(11));
  EXPECT_EQ(t.updated_at, At(11));
  // Claimable again at once, as its first attempt.
  EXPECT_EQ(ClaimOrFail(id, At(11)).attempts, 1);

  Status again = store_->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.tasks().CompleteTask(id, At(12)));
    return tx.tasks().ReleaseTask(id, At(13));
  });
  EXPECT_TRUE(HasCode(again, StatusCode::kConflict));
  Status missing =
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().ReleaseTask(id + 100, At(13)); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, RetryTaskRevivesOnlyAFailedTask) {
  Id id = Enqueue(TaskKind::kRevokeKey, 1, At(0));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(1)); }),
              StatusCode::kFailedPrecondition));  // pending
  ClaimOrFail(id, At(1));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(1)); }),
              StatusCode::kFailedPrecondition));  // running
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.tasks().FailTask(id, "gave up", At(2)); })));

  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(50)); })));
  Task t = GetTask(id);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.next_attempt_at, At(50));
  Task claimed = ClaimOrFail(id, At(50));
  EXPECT_EQ(claimed.attempts, 1);

  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id + 100, At(1)); }),
      StatusCode::kNotFound));
}

TEST_P(StoreContract, ListTasksByStateNewestFirst) {
  Id a = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  Id b = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id c = Enqueue(TaskKind::kRevokeKey, 3, At(0));
  for (Id id : {a, c}) {
    ClaimOrFail(id, At(1));
    ASSERT_TRUE(IsOk(
        store_->Write([&](ports::StoreTx& tx) { return tx.tasks().FailTask(id, "no", At(2)); })));
  }
  auto ids = [&](std::optional<TaskState> state, int limit) {
    std::vector<Id> out;
    auto tasks = InRead([&](ports::StoreTx& tx) { return tx.tasks().ListTasks(state, limit); });
    EXPECT_TRUE(IsOk(tasks));
    if (tasks.ok()) {
      for (const Task& t : *tasks) out.push_back(t.id);
    }
    return out;
  };
  EXPECT_EQ(ids(TaskState::kFailed, 10), (std::vector<Id>{c, a}));
  EXPECT_EQ(ids(TaskState::kPending, 10), (std::vector<Id>{b}));
  EXPECT_TRUE(ids(TaskState::kDone, 10).empty());
  EXPECT_EQ(ids(std::nullopt, 10), (std::vector<Id>{c, b, a}));
  EXPECT_EQ(ids(std::nullopt, 2), (std::vector<Id>{c, b}));
}

TEST_P(StoreContract, StatsCountUsersKeysAndOpenTasks) {
  auto count = [](const auto& map, const auto& key) -> std::int64_t {
    auto it = map.find(key);
    return it == map.end() ? 0 : it->second;
  };
  auto empty = InRead([&](ports::StoreTx& tx) { return tx.housekeeping().Stats(); });
  ASSERT_TRUE(IsOk(empty));
  EXPECT_EQ(empty->users, 0);
  EXPECT_EQ(count(empty->keys_by_state, KeyState::kActive), 0);

  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id u1 = AddUser(1);
  AddUser(2);
  AddUser(3);
  AddKey(MakeKey(u1, server, 0, KeyState::kActive));
  AddKey(MakeKey(u1, server, 1, KeyState::kActive));
  AddKey(MakeKey(u1, server, 2, KeyState::kPending));
  AddKey(MakeKey(u1, server, 3, KeyState::kRevoked));

  Enqueue(TaskKind::kProvisionKey, 1, At(0));  // stays pending
  Id running = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id done = Enqueue(TaskKind::kRevokeKey, 3, At(0));
  Id failed = Enqueue(TaskKind::kRevokeKey, 4, At(0));
  ClaimOrFail(running, At(1));
  ClaimOrFail(done, At(1));
  ClaimOrFail(failed, At(1));
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().CompleteTask(done, At(2)); })));
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().FailTask(failed, "x", At(2)); })));

  auto stats = InRead([&](ports::StoreTx& tx) { return tx.housekeeping().Stats(); });
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->users, 3);
  EXPECT_EQ(count(stats->keys_by_state, KeyState::kActive), 2);
  EXPECT_EQ(count(stats->keys_by_state, KeyState::kPending), 1);
  EXPECT_EQ(count(stats->keys_by_state, KeyState::kRevoked), 1);
  EXPECT_EQ(count(stats->keys_by_state, KeyState::kRevoking), 0);
  EXPECT_EQ(count(stats->keys_by_state, KeyState::kFailed), 0);
  using P = std::pair<TaskKind, TaskState>;
  EXPECT_EQ(count(stats->tasks, P{TaskKind::kProvisionKey, TaskState::kPending}), 1);
  EXPECT_EQ(count(stats->tasks, P{TaskKind::kProvisionKey, TaskState::kRunning}), 1);
  EXPECT_EQ(count(stats->tasks, P{TaskKind::kRevokeKey, TaskState::kFailed}), 1);
  EXPECT_EQ(stats->tasks.count(P{TaskKind::kRevokeKey, TaskState::kDone}), 0u);
  std::int64_t open_tasks = 0;
  for (const auto& [kind_state, n] : stats->tasks) open_tasks += n;
  EXPECT_EQ(open_tasks, 3);
}

}  // namespace vpnhub::storage
