// The NATS task pipeline on a real nats-server (started by the test) and a real SQLite file:
// relay -> JetStream -> worker -> the fake backend. Each task's work reaches the VPN server
// once; a relay that dies between publish and mark is harmless (Nats-Msg-Id); a task that keeps
// failing becomes a dead letter with an admin alert and comes back with `task retry`; messages
// whose task is settled, unknown or garbage are answered without work; a task the stream lost
// is published again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/usecases/backends.hpp"
#include "core/usecases/catalog.hpp"
#include "core/usecases/key_service.hpp"
#include "core/usecases/task_executor.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_secrets.hpp"
#include "fakes/fault_store.hpp"
#include "metrics/registry.hpp"
#include "nats/nats_client.hpp"
#include "nats/nats_test_server.hpp"
#include "queue/jetstream_worker.hpp"
#include "queue/queue_test_util.hpp"
#include "queue/task_relay.hpp"
#include "queue/task_stream.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class NatsPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = nats::NatsTestServer::Create();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    nats::NatsOptions no;
    no.servers = {server_->url()};
    auto conn = nats::NatsConnection::Connect(no);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
    ASSERT_TRUE(conn_->WaitConnected(milliseconds(5000)));
    auto js = nats::JetStream::Create(*conn_);
    ASSERT_TRUE(js.ok()) << js.status().ToString();
    js_ = std::move(*js);

    path_ = "/tmp/vpnhub-nats-pipeline-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(path_.c_str());
    auto s = storage::SqliteStore::Open({path_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    backends_.Add(&backend_);
    catalog_ = std::make_unique<usecases::Catalog>(*store_, backends_, clock_);
    keys_ = std::make_unique<usecases::KeyService>(*store_, backends_, secrets_, clock_, "en");
    ASSERT_TRUE(catalog_->AddLocation("nl").ok());
    Server server_row;
    server_row.kind = "shadowsocks";
    server_row.public_host = "vpn.example.com";
    server_row.capacity = 5000;
    server_row.name = "nl-1";
    ASSERT_TRUE(catalog_->AddServer("nl", server_row).ok());
    alerts_.admins = {42};
    MakeExecutor(/*max_attempts=*/8);
  }

  void TearDown() override {
    worker_.reset();
    relay_.reset();
    publisher_.reset();
    executor_.reset();
    failing_.reset();
    js_.reset();
    conn_.reset();
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  // `over`: the store the executor records outcomes in (the worker claims in store_ always).
  void MakeExecutor(int max_attempts, ports::Store* over = nullptr) {
    RetryPolicy policy;
    policy.max_attempts = max_attempts;
    policy.base = milliseconds(20);
    policy.cap = milliseconds(200);
    executor_ = std::make_unique<usecases::TaskExecutor>(over ? *over : *store_, backends_, clock_,
                                                         log_, policy, &alerts_);
  }

  // Stream and consumer as the service makes them, with a short ack_wait.
  void SetUpStream(int max_attempts) {
    settings_.ack_wait = seconds(2);
    settings_.max_attempts = max_attempts;
    ASSERT_TRUE(js_->EnsureStream(queue::MakeStreamConfig(settings_)).ok());
    ASSERT_TRUE(js_->EnsureConsumer(queue::MakeConsumerConfig(settings_)).ok());
    publisher_ = std::make_unique<queue::JetStreamTaskPublisher>(*js_);
    queue::TaskRelayOptions ro;
    ro.instance_id = "test-relay";
    ro.idle_poll = milliseconds(10);
    ro.redrive_after = seconds(1);
    relay_ = std::make_unique<queue::TaskRelay>(
        *store_, *publisher_, clock_, log_, registry_, ro,
        [this]() -> std::optional<std::uint64_t> {
          auto st = js_->GetConsumerState(settings_.stream, std::string(queue::kWorkerDurable));
          if (!st.ok()) return std::nullopt;
          return st->num_pending;
        });
  }

  void MakeWorker(int concurrency) {
    queue::JetStreamWorkerOptions wo;
    wo.concurrency = concurrency;
    wo.lease = settings_.ack_wait;
    wo.max_deliver = queue::MakeConsumerConfig(settings_).max_deliver;
    wo.fetch_wait = milliseconds(200);
    worker_ = std::make_unique<queue::JetStreamWorker>(*js_, *store_, *executor_, clock_, log_,
                                                       registry_, wo);
  }

  void Issue(int count) { ASSERT_TRUE(queue_test::IssueKeys(*keys_, count)); }

  std::vector<Task> Tasks() { return queue_test::AllTasks(*store_); }

  bool WaitFor(const std::function<bool()>& cond, seconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      if (cond()) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return cond();
  }

  bool AllInState(TaskState state) {
    for (const Task& t : Tasks()) {
      if (t.state != state) return false;
    }
    return true;
  }

  std::uint64_t StreamMessages() {
    auto st = js_->GetStreamState(settings_.stream);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    return st.ok() ? st->messages : 0;
  }

  double Counter(const std::string& name, const metrics::Labels& labels = {}) {
    return registry_.GetCounter(name, "", labels).Value();
  }

  std::unique_ptr<nats::NatsTestServer> server_;
  std::unique_ptr<nats::NatsConnection> conn_;
  std::unique_ptr<nats::JetStream> js_;
  std::string path_;
  queue_test::WallClock clock_;
  fakes::FakeSecrets secrets_;
  fakes::FakeBackend backend_;
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  usecases::Backends backends_;
  usecases::AlertPolicy alerts_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<usecases::Catalog> catalog_;
  std::unique_ptr<usecases::KeyService> keys_;
  std::unique_ptr<fakes::FaultStore> failing_;
  std::unique_ptr<usecases::TaskExecutor> executor_;
  queue::TaskStreamSettings settings_;
  std::unique_ptr<queue::JetStreamTaskPublisher> publisher_;
  std::unique_ptr<queue::TaskRelay> relay_;
  std::unique_ptr<queue::JetStreamWorker> worker_;
};

TEST(TaskStreamTest, PayloadRoundTripsAndRejectsStrangers) {
  Task t;
  t.id = 17;
  t.kind = TaskKind::kRevokeKey;
  t.subject_id = 5;
  t.generation = 2;
  EXPECT_EQ(queue::TaskSubject(t.kind), "vpnhub.tasks.revoke_key");
  EXPECT_EQ(TaskMessageId(t), "17.2");
  EXPECT_EQ(queue::ParseTaskPayload(queue::TaskPayload(t)), std::optional<Id>(17));
  EXPECT_EQ(queue::ParseTaskPayload("{\"task_id\":\"17\"}"), std::nullopt);
  EXPECT_EQ(queue::ParseTaskPayload("{\"task_id\":0}"), std::nullopt);
  EXPECT_EQ(queue::ParseTaskPayload("not json"), std::nullopt);
  EXPECT_EQ(queue::ParseTaskPayload(""), std::nullopt);
}

TEST(TaskStreamTest, ConsumerLeavesRoomForTheExecutorsAttempts) {
  queue::TaskStreamSettings s;
  s.ack_wait = seconds(10);
  s.max_attempts = 8;
  const auto cc = queue::MakeConsumerConfig(s);
  EXPECT_EQ(cc.max_deliver, 10);
  EXPECT_EQ(cc.ack_wait, seconds(10));
  ASSERT_EQ(cc.backoff.size(), 3u);
  EXPECT_EQ(cc.backoff[2], seconds(40));
  s.max_attempts = 1;  // max_deliver 3: the backoff list must stay shorter
  EXPECT_LT(queue::MakeConsumerConfig(s).backoff.size(), 3u);
  const auto sc = queue::MakeStreamConfig(s);
  EXPECT_TRUE(sc.work_queue);
  EXPECT_EQ(sc.subjects, std::vector<std::string>{"vpnhub.tasks.>"});
}

TEST_F(NatsPipelineTest, EveryTaskReachesTheServerOnceInCreationOrderOfPublishing) {
  constexpr int kKeys = 600;
  SetUpStream(8);
  Issue(kKeys);
  MakeWorker(2);
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(60)));
  worker_->Stop();
  relay_->Stop();
  const auto creates = backend_.created_keys();
  ASSERT_EQ(creates.size(), static_cast<std::size_t>(kKeys));
  for (const auto& [key, n] : creates) EXPECT_EQ(n, 1) << "key " << key;
  EXPECT_EQ(Counter("vpnhub_nats_published_total"), kKeys);
  EXPECT_EQ(Counter("vpnhub_nats_publish_duplicates_total"), 0);
  for (const Task& t : Tasks()) {
    EXPECT_TRUE(t.relayed_at.has_value()) << t.id;
    EXPECT_EQ(t.attempts, 1);
  }
  // Work-queue retention: acked messages leave the stream.
  EXPECT_TRUE(WaitFor([&] { return StreamMessages() == 0; }, seconds(10)));
}

TEST_F(NatsPipelineTest, ATaskLongerThanAckWaitIsKeptByInProgressAndRunsOnce) {
  SetUpStream(8);  // ack_wait (and the database lease) 2 s
  backend_.SetDelay(milliseconds(3500));
  Issue(1);
  MakeWorker(2);  // an idle second thread would take a redelivered message at once
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(30)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(backend_.calls(), 1);
  EXPECT_EQ(Counter("vpnhub_nats_redelivered_total"), 0);
  EXPECT_EQ(Tasks().at(0).attempts, 1);
}

TEST_F(NatsPipelineTest, ARelayThatDiedBeforeMarkingIsRepeatedAndTheStreamDropsTheCopies) {
  constexpr int kKeys = 50;
  SetUpStream(8);
  Issue(kKeys);
  // The dead relay: it published every row and died before marking them relayed.
  std::vector<Task> rows;
  ASSERT_TRUE(store_
                  ->Read([&](ports::StoreTx& tx) -> Status {
                    auto r = tx.tasks().ListUnrelayedTasks(clock_.Now(), 1000);
                    if (!r.ok()) return r.status();
                    rows = *r;
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kKeys));
  auto first = publisher_->Publish(rows);
  ASSERT_TRUE(first.error.ok()) << first.error.ToString();
  ASSERT_EQ(first.published, rows.size());
  EXPECT_EQ(StreamMessages(), static_cast<std::uint64_t>(kKeys));
  // Its successor publishes the same rows again: all dropped as duplicates, then marked.
  auto again = relay_->RelayOnce();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, kKeys);
  EXPECT_EQ(Counter("vpnhub_nats_publish_duplicates_total"), kKeys);
  EXPECT_EQ(Counter("vpnhub_nats_published_total"), 0);
  EXPECT_EQ(StreamMessages(), static_cast<std::uint64_t>(kKeys));
  auto none = relay_->RelayOnce();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);

  MakeWorker(2);
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(30)));
  worker_->Stop();
  const auto creates = backend_.created_keys();
  ASSERT_EQ(creates.size(), static_cast<std::size_t>(kKeys));
  for (const auto& [key, n] : creates) EXPECT_EQ(n, 1) << "key " << key;
}

TEST_F(NatsPipelineTest, AFailingTaskDeadLettersWithAnAlertAndComesBackWithRetry) {
  MakeExecutor(/*max_attempts=*/3);
  SetUpStream(3);
  Issue(1);
  MakeWorker(1);
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(30)));
  const Id key_id = Tasks().at(0).subject_id;

  // The VPN server goes down; the key is revoked: its revoke task keeps failing.
  backend_.FailWith(Unavailable("server down"));
  auto revoke = keys_->Revoke(key_id, "test");
  ASSERT_TRUE(revoke.ok()) << revoke.status().ToString();
  ASSERT_TRUE(revoke->has_value());
  const Id task_id = **revoke;
  auto task = [&] {
    for (const Task& t : Tasks()) {
      if (t.id == task_id) return t;
    }
    return Task{};
  };
  ASSERT_TRUE(WaitFor([&] { return task().state == TaskState::kFailed; }, seconds(30)));
  const Task failed = task();
  EXPECT_EQ(failed.attempts, 3);
  EXPECT_NE(failed.last_error.find("server down"), std::string::npos);
  EXPECT_EQ(backend_.calls(), 1 + 3);
  EXPECT_EQ(Counter("vpnhub_tasks_dead_lettered_total", {{"kind", "revoke_key"}}), 1);
  EXPECT_GE(Counter("vpnhub_nats_redelivered_total"), 2);
  // The admin hears about it once, with the command that brings it back.
  std::vector<OutgoingMessage> alerts;
  ASSERT_TRUE(store_
                  ->Read([&](ports::StoreTx& tx) -> Status {
                    auto r = tx.messages().ListMessages(std::nullopt, 100);
                    if (!r.ok()) return r.status();
                    for (const auto& m : *r) {
                      if (m.kind == MessageKind::kAdminAlert) alerts.push_back(m);
                    }
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].text.find("vpnhub task retry " + std::to_string(task_id)), std::string::npos);
  // The term removed the message: nothing left to deliver.
  EXPECT_TRUE(WaitFor([&] { return StreamMessages() == 0; }, seconds(10)));

  // The server is back; the operator retries: a new generation is published and runs.
  backend_.FailWith(Status::Ok());
  ASSERT_TRUE(
      store_->Write([&](ports::StoreTx& tx) { return tx.tasks().RetryTask(task_id, clock_.Now()); })
          .ok());
  ASSERT_TRUE(WaitFor([&] { return task().state == TaskState::kDone; }, seconds(30)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(task().generation, 1);
  EXPECT_EQ(backend_.deleted_keys().at(key_id), 1);
  Key key;
  ASSERT_TRUE(store_
                  ->Read([&](ports::StoreTx& tx) -> Status {
                    auto k = tx.keys().GetKey(key_id);
                    if (!k.ok()) return k.status();
                    key = *k;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(key.state, KeyState::kRevoked);
}

TEST_F(NatsPipelineTest, TheLastDeliveryDeadLettersWhateverTheAttemptCount) {
  MakeExecutor(/*max_attempts=*/100);  // the executor alone would keep trying
  SetUpStream(1);                      // max_deliver 3
  backend_.FailWith(Unavailable("server down"));
  Issue(1);
  MakeWorker(1);
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kFailed); }, seconds(30)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(backend_.calls(), 3);
  EXPECT_EQ(Counter("vpnhub_tasks_dead_lettered_total", {{"kind", "provision_key"}}), 1);
}

TEST_F(NatsPipelineTest, ADeadLetterTheDatabaseDidNotTakeIsNeitherLoggedNorCounted) {
  failing_ = std::make_unique<fakes::FaultStore>(*store_);
  failing_->FailCommits(fakes::FaultStore::kEvery);  // the executor's records only
  MakeExecutor(/*max_attempts=*/100, failing_.get());
  SetUpStream(1);  // max_deliver 3: the third delivery is the last chance
  backend_.FailWith(Unavailable("server down"));
  Issue(1);
  MakeWorker(1);
  relay_->Start();
  worker_->Start();
  auto processed = [&] {
    double n = 0;
    for (const char* outcome : {"done", "retry", "failed", "unrecorded"}) {
      n += Counter("vpnhub_tasks_processed_total",
                   {{"kind", "provision_key"}, {"outcome", outcome}});
    }
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return processed() == 3; }, seconds(30)));
  relay_->Stop();
  EXPECT_EQ(backend_.calls(), 3);
  EXPECT_EQ(Counter("vpnhub_tasks_processed_total",
                    {{"kind", "provision_key"}, {"outcome", "unrecorded"}}),
            3);
  EXPECT_EQ(Counter("vpnhub_tasks_dead_lettered_total", {{"kind", "provision_key"}}), 0);
  EXPECT_EQ(log_.Count("task.dead_letter"), 0);
  EXPECT_EQ(log_.Count("task.failed"), 0);
  EXPECT_EQ(log_.Count("task.record_error"), 3);
  Task t = Tasks().at(0);
  EXPECT_EQ(t.state, TaskState::kRunning);  // nothing was recorded
  EXPECT_EQ(t.attempts, 3);

  // The database takes writes again; the relay hands the task back once its lease has ended,
  // and its new generation's last delivery is a dead letter recorded, logged and counted once.
  failing_->FailCommits(0);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto moved = relay_->RedriveOnce();
        return moved.ok() && *moved == 1;
      },
      seconds(10)));
  relay_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kFailed); }, seconds(30)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(Counter("vpnhub_tasks_dead_lettered_total", {{"kind", "provision_key"}}), 1);
  EXPECT_EQ(log_.Count("task.dead_letter"), 1);
  EXPECT_EQ(log_.Count("task.failed"), 1);
}

TEST_F(NatsPipelineTest, MessagesForSettledUnknownOrGarbageTasksAreAnsweredWithoutWork) {
  SetUpStream(8);
  Issue(1);
  MakeWorker(1);
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(30)));
  const Task done = Tasks().at(0);
  // A stale copy of a done task (another generation), an unknown task, and garbage.
  Task copy = done;
  copy.generation = 7;
  ASSERT_TRUE(
      js_->Publish(queue::TaskSubject(copy.kind), queue::TaskPayload(copy), TaskMessageId(copy))
          .ok());
  Task unknown = done;
  unknown.id = 999999;
  ASSERT_TRUE(js_->Publish(queue::TaskSubject(unknown.kind), queue::TaskPayload(unknown),
                           TaskMessageId(unknown))
                  .ok());
  ASSERT_TRUE(js_->Publish("vpnhub.tasks.revoke_key", "hello", "garbage-1").ok());
  ASSERT_TRUE(WaitFor([&] { return StreamMessages() == 0; }, seconds(10)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(backend_.calls(), 1);
  EXPECT_EQ(Tasks().at(0).state, TaskState::kDone);
}

TEST_F(NatsPipelineTest, ATaskTheStreamLostIsPublishedAgainUnderANewGeneration) {
  SetUpStream(8);
  Issue(1);
  auto relayed = relay_->RelayOnce();
  ASSERT_TRUE(relayed.ok());
  ASSERT_EQ(*relayed, 1);
  // The stream loses it (as if purged, or a node's store was lost): take it out by fetching
  // and terminating it, which removes it from a work-queue stream.
  auto msgs = js_->Fetch(std::string(queue::kWorkerDurable), std::string(queue::kTaskSubjects), 10,
                         milliseconds(2000));
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  ASSERT_TRUE((*msgs)[0]->Term().ok());
  ASSERT_TRUE(WaitFor([&] { return StreamMessages() == 0; }, seconds(10)));
  // Too early: the task is not stale yet.
  auto early = relay_->RedriveOnce();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, 0);
  std::this_thread::sleep_for(milliseconds(1100));  // redrive_after is 1 s in this test
  auto redriven = relay_->RedriveOnce();
  ASSERT_TRUE(redriven.ok()) << redriven.status().ToString();
  EXPECT_EQ(*redriven, 1);
  MakeWorker(1);
  relay_->Start();
  worker_->Start();
  ASSERT_TRUE(WaitFor([&] { return AllInState(TaskState::kDone); }, seconds(30)));
  worker_->Stop();
  relay_->Stop();
  EXPECT_EQ(Tasks().at(0).generation, 1);
  EXPECT_EQ(backend_.calls(), 1);
}

}  // namespace
}  // namespace vpnhub
