// HostResolver: name lookups for VPN calls end at the caller's deadline and never pile up
// threads, however long DNS hangs.
#include "vpn/host_resolver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vpn/ss_test_util.hpp"

namespace vpnhub::vpn {
namespace {

using std::chrono::milliseconds;
using test::Clock;
using test::kSlack;
using test::Since;

// A lookup that hangs until released, counting the calls in progress (shared with the lookup
// threads, which may outlive the test's resolver).
struct HangingDns {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int running = 0;
  int most_running = 0;
  int calls = 0;

  static std::function<Result<ResolvedAddress>(const std::string&, int)> Lookup(
      std::shared_ptr<HangingDns> dns) {
    return [dns](const std::string& host, int port) -> Result<ResolvedAddress> {
      std::unique_lock lock(dns->mu);
      ++dns->calls;
      dns->most_running = std::max(dns->most_running, ++dns->running);
      dns->cv.notify_all();
      dns->cv.wait(lock, [&] { return dns->released; });
      --dns->running;
      dns->cv.notify_all();
      if (host == "fails.example") return Unavailable("cannot resolve " + host);
      return *AddressFromLiteral("127.0.0.1", port);
    };
  }
  void Release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  void WaitForCalls(int n) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return calls >= n; }));
  }
  void WaitIdle() {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return running == 0; }));
  }
};

TEST(HostResolver, IpLiteralsNeedNoLookup) {
  auto dns = std::make_shared<HangingDns>();
  HostResolver resolver({}, HangingDns::Lookup(dns));
  for (const char* host : {"127.0.0.1", "::1"}) {
    auto r = resolver.Resolve(host, 8388, Clock::now() + milliseconds(100));
    EXPECT_TRUE(r.ok()) << host << ": " << r.status().ToString();
  }
  EXPECT_EQ(resolver.threads(), 0);
}

// The regression: every call used to start a detached getaddrinfo thread, so with DNS hanging
// each VPN call left one more thread behind.
TEST(HostResolver, HangingLookupsUseAtMostTheBoundOfThreadsAndEachCallEndsAtItsDeadline) {
  auto dns = std::make_shared<HangingDns>();
  HostResolverOptions options;
  options.threads = 2;
  options.max_waiting = 3;
  HostResolver resolver(options, HangingDns::Lookup(dns));
  constexpr milliseconds kCallDeadline(100);
  int timed_out = 0;
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    auto r = resolver.Resolve("host" + std::to_string(i) + ".example", 8388, start + kCallDeadline);
    const auto took = Since(start);
    ASSERT_FALSE(r.ok()) << "call " << i;
    EXPECT_TRUE(r.status().retryable()) << r.status().ToString();
    EXPECT_LT(took, kCallDeadline + kSlack) << "call " << i << " outlived its deadline";
    if (r.status().code() == StatusCode::kDeadlineExceeded) {
      EXPECT_GE(took, kCallDeadline - milliseconds(5)) << "gave up before its deadline";
      ++timed_out;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
      EXPECT_NE(r.status().message().find("waiting"), std::string::npos) << r.status().ToString();
      ++refused;
    }
  }
  // Two lookups hang on the two threads, three wait in the queue; the other fifteen calls are
  // refused at once instead of queueing without end.
  EXPECT_EQ(timed_out, 5);
  EXPECT_EQ(refused, 15);
  EXPECT_EQ(resolver.threads(), 2);
  dns->WaitForCalls(2);
  {
    std::lock_guard lock(dns->mu);
    EXPECT_EQ(dns->most_running, 2);
    EXPECT_EQ(dns->calls, 2);
  }
  dns->Release();
  // Once DNS answers, the queued lookups run on the same two threads.
  dns->WaitForCalls(5);
  dns->WaitIdle();
  std::lock_guard lock(dns->mu);
  EXPECT_EQ(dns->most_running, 2);
}

TEST(HostResolver, CallsForAHostBeingLookedUpShareTheLookupAndItsAnswerIsCached) {
  auto dns = std::make_shared<HangingDns>();
  HostResolver resolver({}, HangingDns::Lookup(dns));
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    callers.emplace_back([&] {
      auto r = resolver.Resolve("manager.example", 8388, Clock::now() + std::chrono::seconds(10));
      if (r.ok()) ++ok;
    });
  }
  dns->WaitForCalls(1);
  dns->Release();
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 5);
  auto again = resolver.Resolve("manager.example", 8388, Clock::now() + milliseconds(100));
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  std::lock_guard lock(dns->mu);
  EXPECT_EQ(dns->calls, 1);
}

TEST(HostResolver, AFailedLookupIsNotCached) {
  auto dns = std::make_shared<HangingDns>();
  dns->Release();
  HostResolver resolver({}, HangingDns::Lookup(dns));
  for (int i = 0; i < 2; ++i) {
    auto r = resolver.Resolve("fails.example", 8388, Clock::now() + std::chrono::seconds(5));
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  }
  std::lock_guard lock(dns->mu);
  EXPECT_EQ(dns->calls, 2);
}

TEST(HostResolver, AnExpiredAnswerIsLookedUpAgain) {
  auto dns = std::make_shared<HangingDns>();
  dns->Release();
  HostResolverOptions options;
  options.ttl = milliseconds(0);
  HostResolver resolver(options, HangingDns::Lookup(dns));
  for (int i = 0; i < 2; ++i) {
    auto r = resolver.Resolve("manager.example", 8388, Clock::now() + std::chrono::seconds(5));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  std::lock_guard lock(dns->mu);
  EXPECT_EQ(dns->calls, 2);
}

TEST(HostResolver, SystemLookupResolvesLocalhost) {
  HostResolver resolver;
  auto r = resolver.Resolve("localhost", 8388, Clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->len, 0u);
}

}  // namespace
}  // namespace vpnhub::vpn
