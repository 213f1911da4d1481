#pragma once
// Use cases over the in-memory store (fakes::MemoryStore), a fake backend, clock and secrets,
// wired as the service wires them (app::MakeUseCases): the fixture is the use cases (catalog,
// keys, executor, alerts, sweep, notices, bot) plus helpers.
#include <gtest/gtest.h>

#include <memory>

#include "app/test_config.hpp"
#include "app/use_cases.hpp"
#include "core/usecases/backends.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_secrets.hpp"
#include "fakes/memory_store.hpp"

namespace vpnhub {

class UseCaseTest : public ::testing::Test, protected app::UseCases {
 protected:
  void SetUp() override {
    store = std::make_unique<fakes::MemoryStore>();
    backends.Add(&backend);
    Wire();
    ASSERT_TRUE(catalog->AddLocation("nl").ok());
  }

  // (Re)builds the use cases over `store` as the service does, from these variables on top of
  // the defaults.
  void Wire(const app::EnvMap& env = {{"TASK_MAX_ATTEMPTS", "3"}}) {
    static_cast<app::UseCases&>(*this) =
        app::MakeUseCases(app::TestConfig(env), {*store, backends, clock, secrets, log});
  }

  Server AddServer(int capacity, const std::string& host = "vpn.example.com") {
    Server s;
    s.kind = "shadowsocks";
    s.public_host = host;
    s.capacity = capacity;
    s.name = "srv-" + host;
    auto r = catalog->AddServer("nl", s);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Server{};
  }

  usecases::IssueKeyRequest Request(TgId tg, Duration d = std::chrono::hours(24)) {
    usecases::IssueKeyRequest req;
    req.tg_id = tg;
    req.location_name = "nl";
    req.duration = d;
    return req;
  }

  Task Claim(Id task_id) {
    std::optional<Task> t;
    Status st = store->Write([&](ports::StoreTx& tx) -> Status {
      auto r = tx.tasks().ClaimTask(task_id, clock.Now(), std::chrono::seconds(60));
      if (!r.ok()) return r.status();
      t = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(t.has_value()) << "task " << task_id << " not claimable";
    return t.value_or(Task{});
  }

  Key GetKey(Id id) {
    Key k;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.keys().GetKey(id);
                      if (!r.ok()) return r.status();
                      k = *r;
                      return Status::Ok();
                    })
                    .ok());
    return k;
  }

  Task GetTask(Id id) {
    Task t;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.tasks().GetTask(id);
                      if (!r.ok()) return r.status();
                      t = *r;
                      return Status::Ok();
                    })
                    .ok());
    return t;
  }

  std::vector<Task> TasksIn(TaskState state) {
    std::vector<Task> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.tasks().ListTasks(state, 100000);
                      if (!r.ok()) return r.status();
                      out = *r;
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  fakes::FakeClock clock;
  fakes::FakeSecrets secrets;
  fakes::FakeBackend backend;
  fakes::CapturingLog log;
  usecases::Backends backends;
  std::unique_ptr<fakes::MemoryStore> store;
};

}  // namespace vpnhub
