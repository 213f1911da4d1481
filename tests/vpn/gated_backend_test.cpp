// GatedBackend: no more than the limit of calls in flight to one server; other servers are not
// held up by a busy one; a server that stops answering does not take more callers' threads.
#include "vpn/gated_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fakes/blocking_calls.hpp"
#include "fakes/fake_backend.hpp"

namespace vpnhub::vpn {
namespace {

TEST(GatedBackendTest, BoundsCallsPerServerAndLetsOtherServersThrough) {
  fakes::FakeBackend inner;
  fakes::BlockingCalls held(inner);
  metrics::Registry registry;
  // Patience far above the test's length: the callers over the limit wait.
  GateOptions options;
  options.per_server_limit = 2;
  options.first_patience = options.min_patience = options.stall_after = std::chrono::minutes(5);
  GatedBackend gate(inner, options, registry);
  Server a, b;
  a.id = 1;
  b.id = 2;
  Key key;
  std::vector<std::thread> calls;
  for (int i = 0; i < 5; ++i) calls.emplace_back([&] { (void)gate.DeleteKey(a, key); });
  ASSERT_TRUE(held.WaitInFlight(1, 2));
  // Server b is not held up by server a's queue.
  calls.emplace_back([&] { (void)gate.DeleteKey(b, key); });
  ASSERT_TRUE(held.WaitInFlight(2, 1));
  EXPECT_EQ(gate.InFlight(1), 2);
  // The other three calls to server 1 wait at the gate while the two hold their slots.
  auto& waits = registry.GetCounter("vpnhub_backend_call_waits_total", "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waits.Value() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(waits.Value(), 3);
  EXPECT_EQ(gate.InFlight(1), 2);
  held.Open();
  for (auto& t : calls) t.join();
  EXPECT_EQ(inner.deletes(), 6);
  EXPECT_EQ(held.Most(1), 2);
  EXPECT_EQ(gate.InFlight(1), 0);
}

// A server whose call hangs with its slots full: once that call has run longer than the
// patience, the next calls to it are refused at once (kUnavailable, never reaching it) instead of
// waiting; another server's calls go through.
TEST(GatedBackendTest, RefusesCallsToAServerWhoseCallHasRunPastThePatience) {
  fakes::FakeBackend inner;
  fakes::BlockingCalls held(inner);
  metrics::Registry registry;
  GateOptions options;
  options.per_server_limit = 1;
  options.first_patience = std::chrono::milliseconds(50);
  GatedBackend gate(inner, options, registry);
  Server a, b;
  a.id = 1;
  a.name = "hung";
  b.id = 2;
  Key key;
  std::thread hung([&] { (void)gate.DeleteKey(a, key); });
  ASSERT_TRUE(held.WaitInFlight(1, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(80));  // past the patience
  const auto before = std::chrono::steady_clock::now();
  Status refused = gate.DeleteKey(a, key);
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.ToString();
  EXPECT_NE(refused.message().find("server hung (#1) is not answering (its slots are full"),
            std::string::npos)
      << refused.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));
  EXPECT_EQ(gate.InFlight(1), 1);
  EXPECT_EQ(held.Most(1), 1);
  // Another server is not held up.
  std::thread other([&] { (void)gate.DeleteKey(b, key); });
  ASSERT_TRUE(held.WaitInFlight(2, 1));
  held.Open();
  hung.join();
  other.join();
  EXPECT_EQ(inner.deletes(), 2);  // the refused call never reached the server
  EXPECT_EQ(registry.GetCounter("vpnhub_backend_calls_refused_total", "").Value(), 1);
}

// A call that ran out of its deadline marks the server stalled: every call but Ping is refused at
// once; a Ping that answers clears the mark, and calls go through again.
TEST(GatedBackendTest, AServerWhoseCallRanOutOfTimeGetsOnlyProbesUntilOneAnswers) {
  fakes::FakeBackend inner;
  metrics::Registry registry;
  GateOptions options;
  options.trial_every = std::chrono::hours(1);
  GatedBackend gate(inner, options, registry);
  Server a;
  a.id = 1;
  a.name = "stopped";
  Key key;
  inner.FailWith(DeadlineExceeded("no answer"));
  EXPECT_EQ(gate.CreateKey(a, key).code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(gate.Stalled(1));
  inner.FailWith(Status::Ok());
  Status refused = gate.CreateKey(a, key);
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.ToString();
  EXPECT_NE(refused.message().find("ran out of time"), std::string::npos) << refused.ToString();
  EXPECT_EQ(inner.creates(), 1);  // not made
  // The health job's probe goes through, and its answer clears the mark.
  int pings = 0;
  inner.SetPingHook([&](const Server&) {
    ++pings;
    return Status::Ok();
  });
  EXPECT_TRUE(gate.Ping(a).ok());
  EXPECT_EQ(pings, 1);
  EXPECT_FALSE(gate.Stalled(1));
  EXPECT_TRUE(gate.CreateKey(a, key).ok());
  EXPECT_EQ(inner.creates(), 2);
}

// Without a health job (a worker-only process) a stalled server still gets one trial call at a
// time now and then, which clears the mark when it answers.
TEST(GatedBackendTest, AStalledServerGetsOneTrialCallEveryTrialInterval) {
  fakes::FakeBackend inner;
  metrics::Registry registry;
  GateOptions options;
  options.trial_every = std::chrono::milliseconds(0);
  GatedBackend gate(inner, options, registry);
  Server a;
  a.id = 1;
  Key key;
  inner.FailWith(DeadlineExceeded("no answer"));
  EXPECT_EQ(gate.CreateKey(a, key).code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(gate.Stalled(1));
  inner.FailWith(Status::Ok());
  EXPECT_TRUE(gate.CreateKey(a, key).ok());  // the trial
  EXPECT_FALSE(gate.Stalled(1));
  EXPECT_EQ(inner.creates(), 2);
}

}  // namespace
}  // namespace vpnhub::vpn
