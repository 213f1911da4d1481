#pragma once
// Store contract: transactions (commit, rollback, read-only, concurrency) and Ping.
// Part of store_contract.hpp.
#include <atomic>
#include <thread>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, PingIsOkOnAFreshStore) { EXPECT_TRUE(IsOk(store_->Ping())); }

TEST_P(StoreContract, FailedWriteCallbackPersistsNothing) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
    auto user = tx.users().InsertUser(MakeUser(500));
    if (!user.ok()) return user.status();
    auto key = tx.keys().InsertKey(MakeKey(*user, server, 0));
    if (!key.ok()) return key.status();
    auto task = tx.tasks().EnqueueTask(TaskKind::kProvisionKey, *key, At(0));
    if (!task.ok()) return task.status();
    VPNHUB_RETURN_IF_ERROR(tx.users().MarkTrialUsed(*user));
    return ResourceExhausted("changed my mind");
  });
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message(), "changed my mind");

  auto user = InRead([&](ports::StoreTx& tx) { return tx.users().FindUserByTgId(500); });
  ASSERT_TRUE(IsOk(user));
  EXPECT_FALSE(user->has_value());
  auto keys = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeys(ports::KeyFilter{}); });
  ASSERT_TRUE(IsOk(keys));
  EXPECT_TRUE(keys->empty());
  auto tasks = InRead([&](ports::StoreTx& tx) { return tx.tasks().ListTasks(std::nullopt, 10); });
  ASSERT_TRUE(IsOk(tasks));
  EXPECT_TRUE(tasks->empty());
  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  EXPECT_TRUE(slots->empty());
  // The store is still usable and the tg_id is free.
  EXPECT_GT(AddUser(500), 0);
}

TEST_P(StoreContract, WritesInsideReadFail) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id key = AddKey(MakeKey(user, server, 0, KeyState::kActive));
  Id task = Enqueue(TaskKind::kProvisionKey, key, At(0));

  std::vector<std::pair<const char*, Status>> attempts;
  Status read = store_->Read([&](ports::StoreTx& tx) -> Status {
    Location l;
    l.name = "de";
    attempts.emplace_back("InsertUser", tx.users().InsertUser(MakeUser(2)).status());
    attempts.emplace_back("MarkTrialUsed", tx.users().MarkTrialUsed(user));
    attempts.emplace_back("InsertLocation", tx.catalog().InsertLocation(l).status());
    attempts.emplace_back("InsertServer",
                          tx.catalog().InsertServer(MakeServer(loc, "nl-2", 1)).status());
    attempts.emplace_back("SetServerHealthy", tx.catalog().SetServerHealthy(server, false));
    attempts.emplace_back("InsertKey", tx.keys().InsertKey(MakeKey(user, server, 1)).status());
    attempts.emplace_back(
        "UpdateKeyState",
        tx.keys().UpdateKeyState(key, KeyState::kActive, KeyState::kRevoking, At(1), ""));
    attempts.emplace_back("EnqueueTask",
                          tx.tasks().EnqueueTask(TaskKind::kRevokeKey, key, At(0)).status());
    attempts.emplace_back("ClaimTasks", tx.tasks().ClaimTasks(At(1), kLease, 10).status());
    attempts.emplace_back("ClaimTask", tx.tasks().ClaimTask(task, At(1), kLease).status());
    return Status::Ok();
  });
  EXPECT_TRUE(IsOk(read));
  for (const auto& [method, st] : attempts) EXPECT_FALSE(st.ok()) << method;

  auto stats = InRead([&](ports::StoreTx& tx) { return tx.housekeeping().Stats(); });
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(stats->users, 1);
  EXPECT_FALSE(GetUser(user).trial_used);
  EXPECT_EQ(GetKey(key).state, KeyState::kActive);
  EXPECT_EQ(GetTask(task).state, TaskState::kPending);
  auto tasks = InRead([&](ports::StoreTx& tx) { return tx.tasks().ListTasks(std::nullopt, 10); });
  ASSERT_TRUE(IsOk(tasks));
  EXPECT_EQ(tasks->size(), 1u);
  auto locations = InRead([&](ports::StoreTx& tx) { return tx.catalog().ListLocations(); });
  ASSERT_TRUE(IsOk(locations));
  EXPECT_EQ(locations->size(), 1u);
}

TEST_P(StoreContract, ReadCallbackStatusIsReturned) {
  Status st = store_->Read([](ports::StoreTx&) { return NotFound("nothing here"); });
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "nothing here");
}

// Each write transaction reads the server's held slots, takes the next one and claims a shared
// counter task once more: a lost update would show up as a duplicate slot (kAlreadyExists), a
// missing key or a short attempt count. A reader checks every snapshot is consistent: keys and
// attempts always move together.
TEST_P(StoreContract, ConcurrentWriteTransactionsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  constexpr int kTotal = kThreads * kPerThread;
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1", kTotal);
  Id user = AddUser(1);
  Id counter = Enqueue(TaskKind::kProvisionKey, 0, At(0));

  std::atomic<int> failures{0};
  std::atomic<int> inconsistent_reads{0};
  std::atomic<bool> writers_done{false};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> writers;
  for (int w = 0; w < kThreads; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerThread; ++i) {
        Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
          auto held = tx.keys().HeldSlots(server);
          if (!held.ok()) return held.status();
          Key k = MakeKey(user, server, static_cast<int>(held->size()));
          k.remote_name = "w" + std::to_string(w) + "-" + std::to_string(i);
          auto id = tx.keys().InsertKey(k);
          if (!id.ok()) return id.status();
          // A zero lease leaves the task claimable again at the same instant.
          auto claimed = tx.tasks().ClaimTask(counter, At(0), Duration(0));
          if (!claimed.ok()) return claimed.status();
          if (!claimed->has_value()) return Internal("counter task not claimable");
          return Status::Ok();
        });
        if (!st.ok()) {
          ++failures;
          errors[w] = st.ToString();
        }
      }
    });
  }
  std::thread reader([&] {
    while (!writers_done.load()) {
      Status st = store_->Read([&](ports::StoreTx& tx) -> Status {
        auto slots = tx.keys().HeldSlots(server);
        if (!slots.ok()) return slots.status();
        auto task = tx.tasks().GetTask(counter);
        if (!task.ok()) return task.status();
        if (static_cast<int>(slots->size()) != task->attempts) ++inconsistent_reads;
        return Status::Ok();
      });
      if (!st.ok()) ++inconsistent_reads;
    }
  });
  for (auto& t : writers) t.join();
  writers_done = true;
  reader.join();

  EXPECT_EQ(failures.load(), 0) << errors[0] << errors[1] << errors[2] << errors[3];
  EXPECT_EQ(inconsistent_reads.load(), 0);
  auto slots = InRead([&](ports::StoreTx& tx) { return tx.keys().HeldSlots(server); });
  ASSERT_TRUE(IsOk(slots));
  ASSERT_EQ(static_cast<int>(slots->size()), kTotal);
  for (int i = 0; i < kTotal; ++i) EXPECT_EQ((*slots)[i], i);
  EXPECT_EQ(GetTask(counter).attempts, kTotal);
  auto s = InRead([&](ports::StoreTx& tx) { return tx.catalog().GetServer(server); });
  ASSERT_TRUE(IsOk(s));
  EXPECT_EQ(s->used_slots, kTotal);
}

}  // namespace vpnhub::storage
