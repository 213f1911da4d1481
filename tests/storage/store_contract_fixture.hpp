#pragma once
// The fixture of the Store contract suite (see store_contract.hpp) and its helpers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"

namespace vpnhub::storage {

struct StoreFactory {
  std::string name;  // a gtest-safe name: letters, digits, underscores
  std::function<std::unique_ptr<ports::Store>()> make;
  // Another store object on the database of `first` (a store `make` returned), as a second
  // process would open it: its own connections. Empty when the database cannot be shared.
  std::function<std::unique_ptr<ports::Store>(ports::Store& first)> open_again = nullptr;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

inline ::testing::AssertionResult IsOk(const Status& st) {
  if (st.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << st.ToString();
}

template <typename T>
::testing::AssertionResult IsOk(const Result<T>& r) {
  return IsOk(r.status());
}

inline ::testing::AssertionResult HasCode(const Status& st, StatusCode code) {
  if (st.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << StatusCodeName(code) << ", got " << st.ToString();
}

template <typename T>
::testing::AssertionResult HasCode(const Result<T>& r, StatusCode code) {
  return HasCode(r.status(), code);
}

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  static Time At(std::int64_t seconds) { return FromUnixMs(1'700'000'000'000 + seconds * 1000); }

  // Runs fn in its own write transaction and hands back its result; the transaction commits
  // when fn succeeds and rolls back when it fails.
  template <typename Fn>
  auto InWrite(Fn fn) -> decltype(fn(std::declval<ports::StoreTx&>())) {
    using R = decltype(fn(std::declval<ports::StoreTx&>()));
    std::optional<R> out;
    Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
      out.emplace(fn(tx));
      return out->status();
    });
    if (!out || (out->ok() && !st.ok())) return R(st);
    return std::move(*out);
  }

  template <typename Fn>
  auto InRead(Fn fn) -> decltype(fn(std::declval<ports::StoreTx&>())) {
    using R = decltype(fn(std::declval<ports::StoreTx&>()));
    std::optional<R> out;
    Status st = store_->Read([&](ports::StoreTx& tx) -> Status {
      out.emplace(fn(tx));
      return out->status();
    });
    if (!out || (out->ok() && !st.ok())) return R(st);
    return std::move(*out);
  }

  static User MakeUser(TgId tg_id) {
    User u;
    u.tg_id = tg_id;
    u.username = "user" + std::to_string(tg_id);
    u.created_at = At(0);
    return u;
  }

  Id AddUser(TgId tg_id) {
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.users().InsertUser(MakeUser(tg_id)); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  Id AddLocation(const std::string& name) {
    Location loc;
    loc.name = name;
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.catalog().InsertLocation(loc); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  static Server MakeServer(Id location_id, const std::string& name, int capacity) {
    Server s;
    s.location_id = location_id;
    s.kind = "shadowsocks";
    s.name = name;
    s.settings = {{"manager", "127.0.0.1:6001"}, {"method", "chacha20-ietf-poly1305"}};
    s.public_host = name + ".example.com";
    s.capacity = capacity;
    s.created_at = At(0);
    return s;
  }

  Id AddServer(Id location_id, const std::string& name, int capacity = 10) {
    auto id = InWrite([&](ports::StoreTx& tx) {
      return tx.catalog().InsertServer(MakeServer(location_id, name, capacity));
    });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  static Key MakeKey(Id user_id, Id server_id, int slot, KeyState state = KeyState::kActive,
                     Time expires_at = At(3600)) {
    Key k;
    k.user_id = user_id;
    k.server_id = server_id;
    k.slot = slot;
    k.remote_name = "key-" + std::to_string(server_id) + "-" + std::to_string(slot) + "-" +
                    std::to_string(next_name_++);
    k.secret = "secret-" + std::to_string(slot);
    k.state = state;
    k.expires_at = expires_at;
    k.created_at = At(0);
    k.updated_at = At(0);
    return k;
  }

  Id AddKey(const Key& key) {
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.keys().InsertKey(key); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  Id Enqueue(TaskKind kind, Id subject, Time run_at) {
    auto id =
        InWrite([&](ports::StoreTx& tx) { return tx.tasks().EnqueueTask(kind, subject, run_at); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  // Claims `id` at `now` with a 60 s lease and returns the running task (asserting it was
  // claimable).
  Task ClaimOrFail(Id id, Time now) {
    auto t = InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTask(id, now, kLease); });
    EXPECT_TRUE(IsOk(t));
    EXPECT_TRUE(t.ok() && t->has_value()) << "task " << id << " was not claimable";
    return t.ok() && t->has_value() ? **t : Task{};
  }

  Task GetTask(Id id) {
    auto t = InRead([&](ports::StoreTx& tx) { return tx.tasks().GetTask(id); });
    EXPECT_TRUE(IsOk(t));
    return t.ok() ? *t : Task{};
  }

  User GetUser(Id id) {
    auto u = InRead([&](ports::StoreTx& tx) { return tx.users().GetUser(id); });
    EXPECT_TRUE(IsOk(u));
    return u.ok() ? *u : User{};
  }

  Key GetKey(Id id) {
    auto k = InRead([&](ports::StoreTx& tx) { return tx.keys().GetKey(id); });
    EXPECT_TRUE(IsOk(k));
    return k.ok() ? *k : Key{};
  }

  static OutgoingMessage MakeMessage(TgId chat_id, MessagePriority priority, Time due) {
    OutgoingMessage m;
    m.chat_id = chat_id;
    m.kind = MessageKind::kText;
    m.priority = priority;
    m.text = "hello " + std::to_string(chat_id);
    m.next_attempt_at = due;
    m.created_at = due;
    return m;
  }

  Id AddMessage(const OutgoingMessage& message) {
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.messages().EnqueueMessage(message); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }

  OutgoingMessage GetMessage(Id id) {
    auto m = InRead([&](ports::StoreTx& tx) { return tx.messages().GetMessage(id); });
    EXPECT_TRUE(IsOk(m));
    return m.ok() ? *m : OutgoingMessage{};
  }

  // The ids ClaimMessages hands out at `now` (60 s lease), in its order.
  std::vector<Id> ClaimMessageIds(Time now, int limit) {
    auto claimed = InWrite(
        [&](ports::StoreTx& tx) { return tx.messages().ClaimMessages(now, kLease, limit); });
    EXPECT_TRUE(IsOk(claimed));
    std::vector<Id> ids;
    if (claimed.ok()) {
      for (const OutgoingMessage& m : *claimed) ids.push_back(m.id);
    }
    return ids;
  }

  // ---- the relay (store_contract_relay.hpp)
  // The ids of `tasks`, in their order.
  static std::vector<Id> IdsOf(const std::vector<Task>& tasks) {
    std::vector<Id> ids;
    ids.reserve(tasks.size());
    for (const Task& t : tasks) ids.push_back(t.id);
    return ids;
  }

  static std::vector<Id> Sorted(std::vector<Id> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // The ids ListUnrelayedTasks returns, in its order.
  std::vector<Id> UnrelayedIds(Time now, int limit) {
    auto tasks =
        InRead([&](ports::StoreTx& tx) { return tx.tasks().ListUnrelayedTasks(now, limit); });
    EXPECT_TRUE(IsOk(tasks));
    return tasks.ok() ? IdsOf(*tasks) : std::vector<Id>{};
  }

  // MarkTasksRelayed / RequeueStaleRelayedTasks in their own transaction; -1 on error.
  int Mark(const std::vector<Id>& ids, Time now) {
    auto n = InWrite([&](ports::StoreTx& tx) { return tx.tasks().MarkTasksRelayed(ids, now); });
    EXPECT_TRUE(IsOk(n));
    return n.ok() ? *n : -1;
  }

  int Requeue(Time stale_before, int limit) {
    auto n = InWrite([&](ports::StoreTx& tx) {
      return tx.tasks().RequeueStaleRelayedTasks(stale_before, limit);
    });
    EXPECT_TRUE(IsOk(n));
    return n.ok() ? *n : -1;
  }

  std::optional<Time> OldestDue(Time now) {
    auto t = InRead([&](ports::StoreTx& tx) { return tx.tasks().OldestUnrelayedDue(now); });
    EXPECT_TRUE(IsOk(t));
    return t.ok() ? *t : std::nullopt;
  }

  std::vector<Task> ClaimByIds(const std::vector<Id>& ids, Time now) {
    auto tasks =
        InWrite([&](ports::StoreTx& tx) { return tx.tasks().ClaimTasksByIds(ids, now, kLease); });
    EXPECT_TRUE(IsOk(tasks));
    return tasks.ok() ? *tasks : std::vector<Task>{};
  }

  // Claims `id` at `now` and completes it (kDone) or fails it (kFailed).
  void Finish(Id id, TaskState to, Time now) {
    ClaimOrFail(id, now);
    Status st = store_->Write([&](ports::StoreTx& tx) {
      return to == TaskState::kDone ? tx.tasks().CompleteTask(id, now)
                                    : tx.tasks().FailTask(id, "no", now);
    });
    ASSERT_TRUE(IsOk(st));
  }

  static constexpr Duration kLease = std::chrono::seconds(60);
  static inline std::atomic<int> next_name_{0};
  std::unique_ptr<ports::Store> store_;
};

}  // namespace vpnhub::storage
