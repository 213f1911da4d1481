// libnats wrapper against real nats-server processes (JetStream, loopback, throwaway stores).
#include "nats/nats_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "nats/nats_test_server.hpp"

namespace vpnhub::nats {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kStream[] = "TASKS";
constexpr char kSubject[] = "vpnhub.tasks.revoke_key";
constexpr char kDurable[] = "workers";

// Waits for `condition` until the deadline; true when it held.
template <typename F>
bool Eventually(F condition, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (!condition()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

NatsOptions OptionsFor(const std::vector<std::string>& servers) {
  NatsOptions options;
  options.servers = servers;
  options.connect_timeout = 1000ms;
  options.reconnect_wait = 100ms;
  options.name = "vpnhub-test";
  return options;
}

StreamConfig TaskStream() {
  StreamConfig config;
  config.name = kStream;
  config.subjects = {"vpnhub.tasks.>"};
  config.duplicate_window = 1min;
  return config;
}

ConsumerConfig TaskConsumer() {
  ConsumerConfig config;
  config.stream = kStream;
  config.durable = kDurable;
  config.filter_subject = kSubject;
  config.ack_wait = 30s;
  config.max_deliver = 10;
  return config;
}

class NatsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = NatsTestServer::Create();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto conn = NatsConnection::Connect(OptionsFor({server_->url()}), [this](bool connected) {
      (connected ? connected_events_ : disconnected_events_)++;
    });
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
    ASSERT_TRUE(conn_->WaitConnected(5s)) << conn_->State();
    auto js = JetStream::Create(*conn_, 2s);
    ASSERT_TRUE(js.ok()) << js.status().ToString();
    js_ = std::move(*js);
  }

  void TearDown() override {
    js_.reset();
    conn_.reset();
  }

  void SetUpQueue(const ConsumerConfig& consumer) {
    ASSERT_TRUE(js_->EnsureStream(TaskStream()).ok());
    Status st = js_->EnsureConsumer(consumer);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::vector<std::unique_ptr<JsMessage>> FetchOrDie(int batch, milliseconds timeout) {
    auto messages = js_->Fetch(kDurable, kSubject, batch, timeout);
    EXPECT_TRUE(messages.ok()) << messages.status().ToString();
    if (!messages.ok()) return {};
    return std::move(*messages);
  }

  void PublishOrDie(const std::string& payload, const std::string& id) {
    auto ack = js_->Publish(kSubject, payload, id);
    ASSERT_TRUE(ack.ok()) << ack.status().ToString();
    ASSERT_FALSE(ack->duplicate);
  }

  std::unique_ptr<NatsTestServer> server_;
  std::unique_ptr<NatsConnection> conn_;
  std::unique_ptr<JetStream> js_;
  std::atomic<int> connected_events_{0};
  std::atomic<int> disconnected_events_{0};
};

TEST_F(NatsClientTest, ConnectsToOneServer) {
  EXPECT_TRUE(conn_->Connected());
  EXPECT_EQ(conn_->State(), "connected");
}

TEST_F(NatsClientTest, SameMsgIdTwiceIsStoredOnce) {
  ASSERT_TRUE(js_->EnsureStream(TaskStream()).ok());
  auto first = js_->Publish(kSubject, "payload-1", "task-42");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->stream, kStream);
  auto second = js_->Publish(kSubject, "payload-1", "task-42");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->sequence, first->sequence);
  auto other = js_->Publish(kSubject, "payload-2", "task-43");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);

  auto state = js_->GetStreamState(kStream);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->messages, 2u);
}

TEST_F(NatsClientTest, PublishBatchAcksEachMessageInOrderAndSpotsDuplicates) {
  SetUpQueue(TaskConsumer());
  PublishOrDie("before", "id-2");
  std::vector<JetStream::Outgoing> batch;
  for (int i = 0; i < 300; ++i) {
    batch.push_back({kSubject, "b" + std::to_string(i), "id-" + std::to_string(i)});
  }
  auto acks = js_->PublishBatch(batch);
  ASSERT_EQ(acks.size(), batch.size());
  std::set<std::uint64_t> sequences;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(acks[i].ok()) << i << ": " << acks[i].status().ToString();
    EXPECT_EQ(acks[i]->duplicate, i == 2) << i;
    if (!acks[i]->duplicate) sequences.insert(acks[i]->sequence);
  }
  EXPECT_EQ(sequences.size(), 299u);
  auto again = js_->PublishBatch(batch);  // the relay repeating a round: all dropped
  for (const auto& ack : again) {
    ASSERT_TRUE(ack.ok());
    EXPECT_TRUE(ack->duplicate);
  }
  auto state = js_->GetStreamState(kStream);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->messages, 300u);
  EXPECT_TRUE(js_->PublishBatch({}).empty());
}

TEST_F(NatsClientTest, PublishBatchWithoutStreamFailsEveryMessage) {
  auto acks = js_->PublishBatch({{"nobody.listens", "x", "id-1"}, {"nobody.listens", "y", "id-2"}});
  ASSERT_EQ(acks.size(), 2u);
  for (const auto& ack : acks) {
    ASSERT_FALSE(ack.ok());
    EXPECT_TRUE(ack.status().retryable()) << ack.status().ToString();
  }
}

TEST_F(NatsClientTest, PublishWithoutStreamIsUnavailable) {
  auto ack = js_->Publish("nobody.listens.here", "x", "id-1");
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), StatusCode::kUnavailable) << ack.status().ToString();
}

TEST_F(NatsClientTest, EnsureStreamAndConsumerAreIdempotentAndUpdate) {
  StreamConfig stream = TaskStream();
  ASSERT_TRUE(js_->EnsureStream(stream).ok());
  Status st = js_->EnsureStream(stream);
  EXPECT_TRUE(st.ok()) << st.ToString();
  stream.max_age = std::chrono::hours(24);  // a changed stream is updated in place
  st = js_->EnsureStream(stream);
  EXPECT_TRUE(st.ok()) << st.ToString();

  ConsumerConfig consumer = TaskConsumer();
  st = js_->EnsureConsumer(consumer);
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = js_->EnsureConsumer(consumer);
  ASSERT_TRUE(st.ok()) << st.ToString();
  consumer.ack_wait = 45s;
  consumer.max_deliver = 7;
  st = js_->EnsureConsumer(consumer);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto info = js_->GetConsumerState(kStream, kDurable);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->ack_wait, 45s);
  EXPECT_EQ(info->max_deliver, 7);
}

TEST_F(NatsClientTest, ConsumerWithBackoffIsAccepted) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.backoff = {1s, 5s, 30s};
  consumer.max_deliver = 5;
  SetUpQueue(consumer);
  auto info = js_->GetConsumerState(kStream, kDurable);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->ack_wait, 1s);  // the server takes the first backoff step
}

TEST_F(NatsClientTest, BadConsumerConfigIsInvalidArgument) {
  ASSERT_TRUE(js_->EnsureStream(TaskStream()).ok());
  ConsumerConfig consumer = TaskConsumer();
  consumer.backoff = {1s, 2s, 3s};
  consumer.max_deliver = 2;  // must exceed the backoff list
  Status st = js_->EnsureConsumer(consumer);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
}

TEST_F(NatsClientTest, ConsumerOnMissingStreamIsNotFound) {
  Status st = js_->EnsureConsumer(TaskConsumer());
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
}

TEST_F(NatsClientTest, FetchedAndAckedMessagesAreNotRedelivered) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.ack_wait = 500ms;
  SetUpQueue(consumer);
  PublishOrDie("a", "id-a");
  PublishOrDie("b", "id-b");
  PublishOrDie("c", "id-c");

  auto batch = FetchOrDie(10, 2s);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0]->data(), "a");
  EXPECT_EQ(batch[1]->data(), "b");
  EXPECT_EQ(batch[2]->data(), "c");
  EXPECT_EQ(batch[0]->subject(), kSubject);
  EXPECT_EQ(batch[0]->header("Nats-Msg-Id"), "id-a");
  EXPECT_EQ(batch[0]->header("No-Such-Header"), std::nullopt);
  EXPECT_EQ(batch[0]->delivered(), 1u);
  EXPECT_EQ(batch[0]->stream_seq(), 1u);
  EXPECT_EQ(batch[2]->stream_seq(), 3u);
  for (auto& msg : batch) {
    Status st = msg->Ack();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  EXPECT_TRUE(batch[0]->Ack().ok());     // a repeat is a no-op
  EXPECT_TRUE(batch[0]->Nak(0ms).ok());  // and cannot undo the ack

  // Well past ack_wait: nothing comes back.
  EXPECT_TRUE(FetchOrDie(10, 1500ms).empty());
  auto info = js_->GetConsumerState(kStream, kDurable);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->num_ack_pending, 0);
  EXPECT_EQ(info->num_redelivered, 0);
}

TEST_F(NatsClientTest, EmptyFetchWaitsForItsTimeout) {
  SetUpQueue(TaskConsumer());
  const auto start = steady_clock::now();
  EXPECT_TRUE(FetchOrDie(5, 500ms).empty());
  EXPECT_GE(steady_clock::now() - start, 400ms);
}

TEST_F(NatsClientTest, FetchReturnsAtMostTheBatch) {
  SetUpQueue(TaskConsumer());
  for (int i = 0; i < 5; ++i) PublishOrDie("m" + std::to_string(i), "id-" + std::to_string(i));
  auto first = FetchOrDie(2, 2s);
  ASSERT_EQ(first.size(), 2u);
  auto rest = FetchOrDie(10, 2s);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0]->data(), "m2");
}

TEST_F(NatsClientTest, NakWithDelayRedeliversAfterTheDelay) {
  SetUpQueue(TaskConsumer());  // ack_wait 30 s: only the nak can bring it back
  PublishOrDie("retry-me", "id-1");
  auto batch = FetchOrDie(1, 2s);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0]->delivered(), 1u);
  const auto nak_at = steady_clock::now();
  ASSERT_TRUE(batch[0]->Nak(1500ms).ok());

  EXPECT_TRUE(FetchOrDie(1, 500ms).empty());  // not before the delay
  // A fetch may end early and empty on the late timeout status of the previous one: ask again
  // until the deadline.
  std::vector<std::unique_ptr<JsMessage>> again;
  const auto deadline = steady_clock::now() + 5s;
  while (again.empty() && steady_clock::now() < deadline) again = FetchOrDie(1, 1s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GE(steady_clock::now() - nak_at, 1400ms);
  EXPECT_EQ(again[0]->data(), "retry-me");
  EXPECT_EQ(again[0]->delivered(), 2u);
  EXPECT_EQ(again[0]->stream_seq(), batch[0]->stream_seq());
  EXPECT_TRUE(again[0]->Ack().ok());
}

TEST_F(NatsClientTest, TermedMessageIsNeverRedelivered) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.ack_wait = 300ms;
  SetUpQueue(consumer);
  PublishOrDie("poison", "id-1");
  auto batch = FetchOrDie(1, 2s);
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_TRUE(batch[0]->Term().ok());
  EXPECT_TRUE(FetchOrDie(1, 1500ms).empty());
}

TEST_F(NatsClientTest, UnackedMessageComesBackAfterAckWait) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.ack_wait = 300ms;
  SetUpQueue(consumer);
  PublishOrDie("slow", "id-1");
  auto batch = FetchOrDie(1, 2s);
  ASSERT_EQ(batch.size(), 1u);
  auto again = FetchOrDie(1, 3s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]->delivered(), 2u);
}

TEST_F(NatsClientTest, InProgressKeepsTheMessageFromRedelivery) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.ack_wait = 1s;
  SetUpQueue(consumer);
  PublishOrDie("long", "id-1");
  auto batch = FetchOrDie(1, 2s);
  ASSERT_EQ(batch.size(), 1u);
  // 2.4 s of work, twice the ack_wait, reporting progress every 400 ms.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(400ms);  // stands in for the task's own work
    ASSERT_TRUE(batch[0]->InProgress().ok());
  }
  EXPECT_TRUE(FetchOrDie(1, 300ms).empty());
  EXPECT_TRUE(batch[0]->Ack().ok());
}

TEST_F(NatsClientTest, MaxDeliverEndsDeliveries) {
  ConsumerConfig consumer = TaskConsumer();
  consumer.ack_wait = 300ms;
  consumer.max_deliver = 2;
  SetUpQueue(consumer);
  PublishOrDie("doomed", "id-1");
  auto first = FetchOrDie(1, 2s);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(first[0]->Nak(0ms).ok());
  auto second = FetchOrDie(1, 2s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]->delivered(), 2u);
  ASSERT_TRUE(second[0]->Nak(0ms).ok());
  EXPECT_TRUE(FetchOrDie(1, 1500ms).empty());
}

TEST_F(NatsClientTest, ReconnectsAfterServerRestartAndKeepsMessages) {
  SetUpQueue(TaskConsumer());
  // Subscribe before the outage, so the cached pull subscription must survive it too.
  EXPECT_TRUE(FetchOrDie(1, 100ms).empty());
  PublishOrDie("survives", "id-1");
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_TRUE(Eventually([&] { return !conn_->Connected(); }, 5s));
  EXPECT_TRUE(Eventually([&] { return disconnected_events_ > 0; }, 5s));
  EXPECT_NE(conn_->State(), "connected");
  auto during = js_->Publish(kSubject, "lost?", "id-2");
  // No ack can come while the server is down. libnats keeps the message in its reconnect
  // buffer, though, and sends it after the reconnect: the stream may store it after all, which
  // is why the relay republishes with the same Nats-Msg-Id.
  ASSERT_FALSE(during.ok());
  EXPECT_TRUE(during.status().retryable()) << during.status().ToString();

  const int connected_before = connected_events_;
  ASSERT_TRUE(server_->Start().ok()) << server_->Log();
  ASSERT_TRUE(conn_->WaitConnected(10s)) << conn_->State();
  EXPECT_EQ(conn_->State(), "connected");
  EXPECT_TRUE(Eventually([&] { return connected_events_ > connected_before; }, 5s));

  // JetStream needs a moment after a restart to load the stream: retry within a deadline.
  std::vector<std::unique_ptr<JsMessage>> got;
  ASSERT_TRUE(Eventually(
      [&] {
        auto messages = js_->Fetch(kDurable, kSubject, 10, 500ms);
        if (messages.ok()) {
          for (auto& m : *messages) got.push_back(std::move(m));
        }
        return !got.empty();
      },
      15s));
  EXPECT_EQ(got[0]->data(), "survives");
  EXPECT_EQ(got[0]->stream_seq(), 1u);
  for (auto& msg : got) EXPECT_TRUE(msg->Ack().ok());
  auto again = js_->Publish(kSubject, "lost?", "id-2");  // the relay's retry
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto state = js_->GetStreamState(kStream);
  ASSERT_TRUE(state.ok());
  // "lost?" is stored once, whether its buffered copy or the retry got there first.
  EXPECT_EQ(state->messages, 2u);
}

TEST_F(NatsClientTest, FetchNeverHandsOutMoreThanTheBatchAcrossAnOutage) {
  // libnats 3.4.1 overflows its fetch array when stale pull answers are waiting (sent again
  // from its reconnect buffer after an outage); Fetch must neither queue pull requests while
  // down nor reuse the old subscription after it, and never return more than asked.
  SetUpQueue(TaskConsumer());
  for (int i = 0; i < 150; ++i) PublishOrDie("m" + std::to_string(i), "id-" + std::to_string(i));
  EXPECT_EQ(FetchOrDie(1, 1s).size(), 1u);  // the subscription exists before the outage
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_TRUE(Eventually([&] { return !conn_->Connected(); }, 5s));
  for (int i = 0; i < 5; ++i) {  // a worker loop keeps asking while NATS is down
    auto down = js_->Fetch(kDurable, kSubject, 64, 200ms);
    ASSERT_FALSE(down.ok());
    EXPECT_TRUE(down.status().retryable()) << down.status().ToString();
  }
  ASSERT_TRUE(server_->Start().ok()) << server_->Log();
  ASSERT_TRUE(conn_->WaitConnected(10s)) << conn_->State();
  std::set<std::uint64_t> seen;
  ASSERT_TRUE(Eventually(
      [&] {
        auto messages = js_->Fetch(kDurable, kSubject, 64, 500ms);
        if (!messages.ok()) return false;
        EXPECT_LE(messages->size(), 64u);
        for (auto& m : *messages) {
          seen.insert(m->stream_seq());
          EXPECT_TRUE(m->Ack().ok());
        }
        return seen.size() >= 149;  // the first one comes back after ack_wait (30 s): not here
      },
      20s));
}

TEST_F(NatsClientTest, HungServerMakesPublishTimeOutThenRecovers) {
  ASSERT_TRUE(js_->EnsureStream(TaskStream()).ok());
  ASSERT_TRUE(server_->Pause().ok());
  const auto start = steady_clock::now();
  auto ack = js_->Publish(kSubject, "stuck", "id-1");
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.status().code(), StatusCode::kUnavailable) << ack.status().ToString();
  EXPECT_LT(steady_clock::now() - start, 5s);  // bounded by the 2 s API timeout
  ASSERT_TRUE(server_->Resume().ok());
  auto again = js_->Publish(kSubject, "stuck", "id-1");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto state = js_->GetStreamState(kStream);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->messages, 1u);  // the timed-out publish and its retry were stored once
}

TEST(NatsConnectTest, ConnectSucceedsBeforeTheServerStartsAndConnectsLater) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  std::atomic<int> connected_events{0};
  auto conn =
      NatsConnection::Connect(OptionsFor({"nats://127.0.0.1:" + std::to_string(*port)}),
                              [&](bool connected) { connected_events += connected ? 1 : 0; });
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_FALSE((*conn)->Connected());
  EXPECT_NE((*conn)->State(), "connected");

  NatsTestServerOptions options;
  options.port = *port;
  auto server = NatsTestServer::Create(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ASSERT_TRUE((*conn)->WaitConnected(10s)) << (*conn)->State();
  EXPECT_TRUE(Eventually([&] { return connected_events > 0; }, 5s));

  auto js = JetStream::Create(**conn);
  ASSERT_TRUE(js.ok());
  EXPECT_TRUE((*js)->EnsureStream(TaskStream()).ok());
}

TEST(NatsConnectTest, SecondServerInTheListIsUsedWhenTheFirstIsDown) {
  auto dead_port = FreeLoopbackPort();
  ASSERT_TRUE(dead_port.ok());
  auto server = NatsTestServer::Create();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto conn = NatsConnection::Connect(
      OptionsFor({"nats://127.0.0.1:" + std::to_string(*dead_port), (*server)->url()}));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_TRUE((*conn)->WaitConnected(10s)) << (*conn)->State();
}

TEST(NatsConnectTest, UnusableOptionsAreInvalidArgument) {
  EXPECT_EQ(NatsConnection::Connect(NatsOptions{}).status().code(), StatusCode::kInvalidArgument);

  NatsOptions missing_creds = OptionsFor({"nats://127.0.0.1:1"});
  missing_creds.creds_file = "/nonexistent/vpnhub.creds";
  EXPECT_EQ(NatsConnection::Connect(missing_creds).status().code(), StatusCode::kInvalidArgument);

  NatsOptions missing_ca = OptionsFor({"nats://127.0.0.1:1"});
  missing_ca.tls_ca = "/nonexistent/ca.pem";
  EXPECT_EQ(NatsConnection::Connect(missing_ca).status().code(), StatusCode::kInvalidArgument);

  NatsOptions half_login = OptionsFor({"nats://127.0.0.1:1"});
  half_login.password = "hunter2";
  auto result = NatsConnection::Connect(half_login);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message().find("hunter2"), std::string::npos);
}

TEST(NatsConnectTest, UserAndPasswordAreRequiredWhenTheServerAsksForThem) {
  NatsTestServerOptions server_options;
  server_options.user = "vpnhub";
  server_options.password = "s3cret-pass";
  auto server = NatsTestServer::Create(server_options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();

  // Without credentials, or with a wrong password: Connect itself succeeds (it retries in the
  // background), but the server's refusal closes the connection for good.
  auto anonymous = NatsConnection::Connect(OptionsFor({(*server)->url()}));
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().ToString();
  EXPECT_TRUE(Eventually([&] { return (*anonymous)->State() == "closed"; }, 10s))
      << (*anonymous)->State();
  EXPECT_FALSE((*anonymous)->Connected());
  // libnats 3.4.1 reports only "No server available for connection" here, not the server's
  // "Authorization Violation".
  EXPECT_FALSE((*anonymous)->LastError().empty());

  NatsOptions wrong = OptionsFor({(*server)->url()});
  wrong.user = "vpnhub";
  wrong.password = "wrong-pass";
  auto refused = NatsConnection::Connect(wrong);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_TRUE(Eventually([&] { return (*refused)->State() == "closed"; }, 10s))
      << (*refused)->State();
  EXPECT_EQ((*refused)->LastError().find("wrong-pass"), std::string::npos);

  NatsOptions right = OptionsFor({(*server)->url()});
  right.user = "vpnhub";
  right.password = "s3cret-pass";
  auto conn = NatsConnection::Connect(right);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_TRUE((*conn)->WaitConnected(5s)) << (*conn)->State();
  EXPECT_EQ((*conn)->LastError(), "");
}

TEST(NatsConnectTest, TokenIsSent) {
  NatsTestServerOptions server_options;
  server_options.token = "tok-123";
  auto server = NatsTestServer::Create(server_options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  NatsOptions options = OptionsFor({(*server)->url()});
  options.token = "tok-123";
  auto conn = NatsConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_TRUE((*conn)->WaitConnected(5s)) << (*conn)->State();
}

TEST(NatsClusterTest, ReplicatedStreamWorksAcrossThreeServers) {
  auto cluster = NatsTestCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  auto conn = NatsConnection::Connect(OptionsFor((*cluster)->urls()));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)->WaitConnected(10s));
  auto js = JetStream::Create(**conn, 5s);
  ASSERT_TRUE(js.ok());

  StreamConfig stream = TaskStream();
  stream.replicas = 3;
  // The cluster elects its JetStream meta leader after start: retry while it is unavailable.
  Status st;
  ASSERT_TRUE(Eventually(
      [&] {
        st = (*js)->EnsureStream(stream);
        return st.ok() || !st.retryable();
      },
      30s));
  ASSERT_TRUE(st.ok()) << st.ToString();
  ConsumerConfig consumer = TaskConsumer();
  ASSERT_TRUE(Eventually(
      [&] {
        st = (*js)->EnsureConsumer(consumer);
        return st.ok() || !st.retryable();
      },
      30s));
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto state = (*js)->GetStreamState(kStream);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->replicas, 3);

  auto ack = (*js)->Publish(kSubject, "replicated", "id-1");
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  auto batch = (*js)->Fetch(kDurable, kSubject, 1, 5s);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ((*batch)[0]->data(), "replicated");
  EXPECT_TRUE((*batch)[0]->Ack().ok());
}

}  // namespace
}  // namespace vpnhub::nats
