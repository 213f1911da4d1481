#pragma once
// Store contract: the NATS outbox relay (relayed_at, generation and the methods that use them)
// and claims by id. Part of store_contract.hpp.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, RelayFieldsStartEmptyAndRoundTripThroughEveryTaskRead) {
  Id a = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  Id b = Enqueue(TaskKind::kRevokeKey, 2, At(0));
  Task fresh = GetTask(a);
  EXPECT_EQ(fresh.relayed_at, std::nullopt);
  EXPECT_EQ(fresh.generation, 0);
  EXPECT_EQ(TaskMessageId(fresh), std::to_string(a));

  auto marked =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().MarkTasksRelayed({a}, At(3)); });
  ASSERT_TRUE(IsOk(marked));
  EXPECT_EQ(*marked, 1);
  Task relayed = GetTask(a);
  EXPECT_EQ(relayed.relayed_at, std::optional<Time>(At(3)));
  EXPECT_EQ(relayed.generation, 0);
  EXPECT_EQ(relayed.state, TaskState::kPending);  // marking changes nothing else
  EXPECT_EQ(relayed.next_attempt_at, At(0));
  EXPECT_EQ(relayed.updated_at, fresh.updated_at);

  auto listed = InRead([&](ports::StoreTx& tx) { return tx.tasks().ListTasks(std::nullopt, 10); });
  ASSERT_TRUE(IsOk(listed));
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, b);
  EXPECT_EQ((*listed)[0].relayed_at, std::nullopt);
  EXPECT_EQ((*listed)[1].id, a);
  EXPECT_EQ((*listed)[1].relayed_at, std::optional<Time>(At(3)));

  // A claim (each kind of it) returns the row with its relay fields.
  auto claimed =
      InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasks(At(5), kLease, 1); });
  ASSERT_TRUE(IsOk(claimed));
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, a);
  EXPECT_EQ((*claimed)[0].relayed_at, std::optional<Time>(At(3)));
  Task one = ClaimOrFail(a, At(5) + kLease);
  EXPECT_EQ(one.relayed_at, std::optional<Time>(At(3)));
  EXPECT_EQ(one.generation, 0);
}

TEST_P(StoreContract, ExpiredKeysQueueUnrelayedRevokeTasks) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id key = AddKey(MakeKey(user, server, 0, KeyState::kActive, At(10)));
  auto moved = InWrite([&](ports::StoreTx& tx) { return tx.keys().ExpireDueKeys(At(20), 10, 0); });
  ASSERT_TRUE(IsOk(moved));
  ASSERT_EQ(moved->size(), 1u);
  auto unrelayed =
      InRead([&](ports::StoreTx& tx) { return tx.tasks().ListUnrelayedTasks(At(20), 10); });
  ASSERT_TRUE(IsOk(unrelayed));
  ASSERT_EQ(unrelayed->size(), 1u);
  const Task& t = (*unrelayed)[0];
  EXPECT_EQ(t.kind, TaskKind::kRevokeKey);
  EXPECT_EQ(t.subject_id, key);
  EXPECT_EQ(t.relayed_at, std::nullopt);
  EXPECT_EQ(t.generation, 0);
}

TEST_P(StoreContract, ListUnrelayedTasksReturnsDuePendingUnrelayedTasksInIdOrder) {
  // Ids in creation order; due times deliberately out of that order.
  Id late_due = Enqueue(TaskKind::kProvisionKey, 1, At(40));
  Id early_due = Enqueue(TaskKind::kProvisionKey, 2, At(10));
  Id not_due = Enqueue(TaskKind::kProvisionKey, 3, At(500));
  Id relayed = Enqueue(TaskKind::kProvisionKey, 4, At(0));
  Id running = Enqueue(TaskKind::kProvisionKey, 5, At(0));
  Id done = Enqueue(TaskKind::kRevokeKey, 6, At(0));
  Id failed = Enqueue(TaskKind::kRevokeKey, 7, At(0));
  Id last = Enqueue(TaskKind::kRevokeKey, 8, At(100));
  EXPECT_EQ(Mark({relayed}, At(1)), 1);
  ClaimOrFail(running, At(1));
  ASSERT_NO_FATAL_FAILURE(Finish(done, TaskState::kDone, At(1)));
  ASSERT_NO_FATAL_FAILURE(Finish(failed, TaskState::kFailed, At(1)));

  EXPECT_EQ(UnrelayedIds(At(100), 10), (std::vector<Id>{late_due, early_due, last}));
  EXPECT_EQ(UnrelayedIds(At(100), 2), (std::vector<Id>{late_due, early_due}));
  EXPECT_EQ(UnrelayedIds(At(10), 10), (std::vector<Id>{early_due}));
  EXPECT_TRUE(UnrelayedIds(At(9), 10).empty());
  EXPECT_TRUE(UnrelayedIds(At(100), 0).empty());
  EXPECT_EQ(UnrelayedIds(At(500), 10), (std::vector<Id>{late_due, early_due, not_due, last}));

  auto tasks =
      InRead([&](ports::StoreTx& tx) { return tx.tasks().ListUnrelayedTasks(At(100), 1); });
  ASSERT_TRUE(IsOk(tasks));
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].kind, TaskKind::kProvisionKey);
  EXPECT_EQ((*tasks)[0].subject_id, 1);
  EXPECT_EQ((*tasks)[0].state, TaskState::kPending);
  EXPECT_EQ((*tasks)[0].next_attempt_at, At(40));
}

TEST_P(StoreContract, MarkTasksRelayedChangesOnlyUnrelayedTasksAndCountsThem) {
  Id a = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  Id b = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id c = Enqueue(TaskKind::kProvisionKey, 3, At(0));
  Id running = Enqueue(TaskKind::kProvisionKey, 4, At(0));
  ClaimOrFail(running, At(1));  // the worker may claim before the relay marks

  EXPECT_EQ(Mark({a, b}, At(5)), 2);
  EXPECT_EQ(Mark({a, b, c, c, running, c + 1000}, At(6)), 2);    // c once, running; a/b already
  EXPECT_EQ(GetTask(a).relayed_at, std::optional<Time>(At(5)));  // the first mark stays
  EXPECT_EQ(GetTask(c).relayed_at, std::optional<Time>(At(6)));
  Task r = GetTask(running);
  EXPECT_EQ(r.relayed_at, std::optional<Time>(At(6)));
  EXPECT_EQ(r.state, TaskState::kRunning);
  EXPECT_EQ(Mark({a, b, c}, At(7)), 0);
  EXPECT_EQ(Mark({}, At(7)), 0);
  EXPECT_TRUE(UnrelayedIds(At(100), 10).empty());
}

TEST_P(StoreContract, OldestUnrelayedDueIsTheDueTimeOfTheFirstTaskTheRelayWouldRead) {
  EXPECT_EQ(OldestDue(At(100)), std::nullopt);  // no tasks at all
  Id relayed = Enqueue(TaskKind::kProvisionKey, 1, At(1));
  EXPECT_EQ(Mark({relayed}, At(2)), 1);
  Enqueue(TaskKind::kProvisionKey, 2, At(500));  // not due
  EXPECT_EQ(OldestDue(At(100)), std::nullopt);

  Id first = Enqueue(TaskKind::kProvisionKey, 3, At(30));
  Enqueue(TaskKind::kProvisionKey, 4, At(20));
  // In the relay's (id) order, as ListUnrelayedTasks returns them.
  EXPECT_EQ(OldestDue(At(100)), std::optional<Time>(At(30)));
  EXPECT_EQ(OldestDue(At(25)), std::optional<Time>(At(20)));  // the first one not due yet
  EXPECT_EQ(Mark({first}, At(40)), 1);
  EXPECT_EQ(OldestDue(At(100)), std::optional<Time>(At(20)));
  EXPECT_EQ(OldestDue(At(19)), std::nullopt);
}

TEST_P(StoreContract, ClaimTasksByIdsClaimsOnlyTheClaimableOnes) {
  Id pending = Enqueue(TaskKind::kProvisionKey, 1, At(0));
  Id expired = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id live = Enqueue(TaskKind::kProvisionKey, 3, At(0));
  Id not_due = Enqueue(TaskKind::kProvisionKey, 4, At(500));
  Id done = Enqueue(TaskKind::kRevokeKey, 5, At(0));
  Id failed = Enqueue(TaskKind::kRevokeKey, 6, At(0));
  ClaimOrFail(expired, At(1));  // lease ends at At(61)
  ClaimOrFail(live, At(50));    // lease ends at At(110)
  ASSERT_NO_FATAL_FAILURE(Finish(done, TaskState::kDone, At(1)));
  ASSERT_NO_FATAL_FAILURE(Finish(failed, TaskState::kFailed, At(1)));
  EXPECT_EQ(Mark({pending}, At(2)), 1);

  std::vector<Task> claimed =
      ClaimByIds({live, pending, not_due, done, failed, expired, pending, failed + 1000}, At(100));
  std::map<Id, Task> by_id;
  for (const Task& t : claimed) by_id[t.id] = t;
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_EQ(by_id.count(pending), 1u);
  ASSERT_EQ(by_id.count(expired), 1u);
  const Task& p = by_id[pending];
  EXPECT_EQ(p.state, TaskState::kRunning);
  EXPECT_EQ(p.attempts, 1);
  EXPECT_EQ(p.next_attempt_at, At(100) + kLease);
  EXPECT_EQ(p.updated_at, At(100));
  EXPECT_EQ(p.kind, TaskKind::kProvisionKey);
  EXPECT_EQ(p.subject_id, 1);
  EXPECT_EQ(p.relayed_at, std::optional<Time>(At(2)));
  const Task& e = by_id[expired];
  EXPECT_EQ(e.state, TaskState::kRunning);
  EXPECT_EQ(e.attempts, 2);
  EXPECT_EQ(e.next_attempt_at, At(100) + kLease);

  Task stored = GetTask(pending);
  EXPECT_EQ(stored.state, TaskState::kRunning);
  EXPECT_EQ(stored.next_attempt_at, At(100) + kLease);
  Task l = GetTask(live);
  EXPECT_EQ(l.attempts, 1);
  EXPECT_EQ(l.next_attempt_at, At(110));
  EXPECT_EQ(GetTask(not_due).state, TaskState::kPending);
  EXPECT_EQ(GetTask(not_due).attempts, 0);
  EXPECT_EQ(GetTask(done).state, TaskState::kDone);
  EXPECT_EQ(GetTask(failed).state, TaskState::kFailed);

  // Claimed now, so not again until the lease ends.
  EXPECT_TRUE(ClaimByIds({pending, expired}, At(101)).empty());
  EXPECT_TRUE(ClaimByIds({}, At(101)).empty());
  EXPECT_EQ(Sorted(IdsOf(ClaimByIds({pending, live}, At(160)))), Sorted({pending, live}));
}

// Workers racing for the same message ids (the stream redelivers, or two fetch the same task):
// every task is handed out once per lease.
TEST_P(StoreContract, ConcurrentClaimsByIdsNeverHandOutATaskTwice) {
  constexpr int kTasks = 200;
  constexpr int kThreads = 4;
  std::vector<Id> ids;
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) -> Status {
    ids.clear();
    for (int i = 0; i < kTasks; ++i) {
      auto id = tx.tasks().EnqueueTask(TaskKind::kProvisionKey, i, At(0));
      if (!id.ok()) return id.status();
      ids.push_back(*id);
    }
    return Status::Ok();
  })));
  std::mutex mu;
  std::map<Id, int> claims;
  std::atomic<int> errors{0};
  std::atomic<int> ready{0};
  auto claimer = [&](int index) {
    ++ready;
    while (ready.load() < kThreads) std::this_thread::yield();
    // Overlapping batches of 10, each thread walking the ids from its own offset.
    for (int round = 0; round < kTasks / 10; ++round) {
      std::vector<Id> batch;
      for (int k = 0; k < 10; ++k) batch.push_back(ids[(round * 10 + k + index * 5) % kTasks]);
      std::vector<Id> mine;
      Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
        auto tasks = tx.tasks().ClaimTasksByIds(batch, At(1), std::chrono::hours(1));
        if (!tasks.ok()) return tasks.status();
        mine = IdsOf(*tasks);
        return Status::Ok();
      });
      std::lock_guard<std::mutex> lock(mu);
      if (!st.ok()) {
        ++errors;
        continue;
      }
      for (Id id : mine) ++claims[id];
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(claimer, i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kTasks));
  for (const auto& [id, times] : claims) EXPECT_EQ(times, 1) << "task " << id;
}

TEST_P(StoreContract, RetryTaskHandsTheTaskBackToTheRelayAsANewGeneration) {
  Id id = Enqueue(TaskKind::kRevokeKey, 1, At(0));
  EXPECT_EQ(Mark({id}, At(1)), 1);
  ASSERT_NO_FATAL_FAILURE(Finish(id, TaskState::kFailed, At(2)));
  EXPECT_EQ(TaskMessageId(GetTask(id)), std::to_string(id));
  EXPECT_TRUE(UnrelayedIds(At(100), 10).empty());

  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(50)); })));
  Task t = GetTask(id);
  EXPECT_EQ(t.relayed_at, std::nullopt);
  EXPECT_EQ(t.generation, 1);
  EXPECT_EQ(TaskMessageId(t), std::to_string(id) + ".1");
  EXPECT_EQ(UnrelayedIds(At(50), 10), (std::vector<Id>{id}));

  EXPECT_EQ(Mark({id}, At(51)), 1);
  ASSERT_NO_FATAL_FAILURE(Finish(id, TaskState::kFailed, At(52)));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(60)); })));
  EXPECT_EQ(TaskMessageId(GetTask(id)), std::to_string(id) + ".2");

  // A refused retry changes nothing.
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(id, At(61)); }),
              StatusCode::kFailedPrecondition));
  EXPECT_EQ(GetTask(id).generation, 2);
}

TEST_P(StoreContract, RequeueStaleRelayedTasksHandsBackOnlyStaleRelayedOpenTasks) {
  Id stale_pending = Enqueue(TaskKind::kProvisionKey, 1, At(10));
  Id stale_running = Enqueue(TaskKind::kProvisionKey, 2, At(0));
  Id oldest = Enqueue(TaskKind::kProvisionKey, 3, At(5));
  Id fresh = Enqueue(TaskKind::kProvisionKey, 4, At(150));
  Id boundary = Enqueue(TaskKind::kProvisionKey, 5, At(100));
  Id live = Enqueue(TaskKind::kProvisionKey, 6, At(0));
  Id unrelayed = Enqueue(TaskKind::kProvisionKey, 7, At(1));
  Id done = Enqueue(TaskKind::kRevokeKey, 8, At(0));
  Id failed = Enqueue(TaskKind::kRevokeKey, 9, At(0));
  Id left_running = Enqueue(TaskKind::kRevokeKey, 10, At(0));  // never relayed
  ClaimOrFail(stale_running, At(20));                          // lease ends at At(80)
  ClaimOrFail(left_running, At(30));                           // lease ends at At(90)
  ClaimOrFail(live, At(150));                                  // lease ends at At(210)
  ASSERT_NO_FATAL_FAILURE(Finish(done, TaskState::kDone, At(1)));
  ASSERT_NO_FATAL_FAILURE(Finish(failed, TaskState::kFailed, At(1)));
  EXPECT_EQ(
      Mark({stale_pending, stale_running, oldest, fresh, boundary, live, done, failed}, At(2)), 8);

  // Oldest due first, at most the limit.
  EXPECT_EQ(Requeue(At(100), 2), 2);
  for (Id id : {oldest, stale_pending}) {
    Task t = GetTask(id);
    EXPECT_EQ(t.relayed_at, std::nullopt) << id;
    EXPECT_EQ(t.generation, 1) << id;
    EXPECT_EQ(t.state, TaskState::kPending) << id;
  }
  EXPECT_EQ(GetTask(stale_running).generation, 0);
  EXPECT_EQ(UnrelayedIds(At(100), 10), (std::vector<Id>{stale_pending, oldest, unrelayed}));
  EXPECT_EQ(TaskMessageId(GetTask(oldest)), std::to_string(oldest) + ".1");

  EXPECT_EQ(Requeue(At(100), 10), 2);
  for (Id id : {stale_running, left_running}) {
    Task r = GetTask(id);
    EXPECT_EQ(r.relayed_at, std::nullopt) << id;
    EXPECT_EQ(r.generation, 1) << id;
    EXPECT_EQ(r.state, TaskState::kPending) << id;  // its dead claim ends; still due
    EXPECT_EQ(r.attempts, 1) << id;
  }
  EXPECT_EQ(GetTask(stale_running).next_attempt_at, At(80));
  EXPECT_EQ(UnrelayedIds(At(100), 10),
            (std::vector<Id>{stale_pending, stale_running, oldest, unrelayed, left_running}));

  EXPECT_EQ(Requeue(At(100), 10), 0);  // the requeued ones are unrelayed now
  // Published again at At(120): due long ago, but not stale again before At(120) is past.
  EXPECT_EQ(Mark({stale_pending, stale_running}, At(120)), 2);
  EXPECT_EQ(Requeue(At(100), 10), 0);
  EXPECT_EQ(Requeue(At(121), 1), 1);
  EXPECT_EQ(GetTask(stale_pending).generation, 2);
  for (Id id : {fresh, boundary, live, done, failed}) {
    Task t = GetTask(id);
    EXPECT_EQ(t.relayed_at, std::optional<Time>(At(2))) << id;
    EXPECT_EQ(t.generation, 0) << id;
  }
  Task u = GetTask(unrelayed);
  EXPECT_EQ(u.relayed_at, std::nullopt);
  EXPECT_EQ(u.generation, 0);
  EXPECT_EQ(Requeue(At(1000), 0), 0);
}

}  // namespace vpnhub::storage
