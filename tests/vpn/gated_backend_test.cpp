// GatedBackend: no more than the limit of calls in flight to one server; other servers are not
// held up by a busy one.
#include "vpn/gated_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
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
  GatedBackend gate(inner, 2, registry);
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

}  // namespace
}  // namespace vpnhub::vpn
