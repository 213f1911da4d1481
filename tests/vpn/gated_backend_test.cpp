// GatedBackend: no more than the limit of calls in flight to one server; other servers are not
// held up by a busy one.
#include "vpn/gated_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "fakes/fake_backend.hpp"

namespace vpnhub::vpn {
namespace {

// A backend whose calls block until released, recording the most in flight per server.
class BlockingBackend : public fakes::FakeBackend {
 public:
  Status DeleteKey(const Server& server, const Key& key) override {
    {
      std::unique_lock lock(mu_);
      int& n = in_flight_[server.id];
      ++n;
      most_[server.id] = std::max(most_[server.id], n);
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      --n;
    }
    return fakes::FakeBackend::DeleteKey(server, key);
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits until `n` calls to server `id` are blocked in here.
  bool WaitInFlight(Id id, int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_[id] == n; });
  }
  int Most(Id id) {
    std::lock_guard lock(mu_);
    return most_[id];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::map<Id, int> in_flight_, most_;
};

TEST(GatedBackendTest, BoundsCallsPerServerAndLetsOtherServersThrough) {
  BlockingBackend inner;
  metrics::Registry registry;
  GatedBackend gate(inner, 2, registry);
  Server a, b;
  a.id = 1;
  b.id = 2;
  Key key;
  std::vector<std::thread> calls;
  for (int i = 0; i < 5; ++i) calls.emplace_back([&] { (void)gate.DeleteKey(a, key); });
  ASSERT_TRUE(inner.WaitInFlight(1, 2));
  // Server b is not held up by server a's queue.
  calls.emplace_back([&] { (void)gate.DeleteKey(b, key); });
  ASSERT_TRUE(inner.WaitInFlight(2, 1));
  EXPECT_EQ(gate.InFlight(1), 2);
  // The other three calls to server 1 wait at the gate while the two hold their slots.
  auto& waits = registry.GetCounter("vpnhub_backend_call_waits_total", "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waits.Value() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(waits.Value(), 3);
  EXPECT_EQ(gate.InFlight(1), 2);
  inner.Open();
  for (auto& t : calls) t.join();
  EXPECT_EQ(inner.deletes(), 6);
  EXPECT_EQ(inner.Most(1), 2);
  EXPECT_EQ(gate.InFlight(1), 0);
}

}  // namespace
}  // namespace vpnhub::vpn
