#include "vpn/metered_backend.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fakes/fake_backend.hpp"
#include "metrics/registry.hpp"
#include "vpn/fake_ss_manager.hpp"
#include "vpn/shadowsocks/shadowsocks_backend.hpp"
#include "vpn/ss_test_util.hpp"

namespace vpnhub::vpn {
namespace {

using std::chrono::milliseconds;
using test::FakeSsManager;
using test::MakeKey;
using test::MakeServer;
using ::testing::HasSubstr;

TEST(MeteredBackend, CountsErrorsByCodeAndTimesEveryCall) {
  fakes::FakeBackend inner;
  metrics::Registry registry;
  MeteredBackend metered(inner, registry);
  Server server = MakeServer("127.0.0.1:1");
  inner.FailWith(Unavailable("down"));
  EXPECT_EQ(metered.CreateKey(server, MakeKey(0, "s")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(metered.CreateKey(server, MakeKey(0, "s")).code(), StatusCode::kUnavailable);
  inner.FailWith(Status::Ok());
  EXPECT_TRUE(metered.Ping(server).ok());
  EXPECT_EQ(inner.creates(), 2);

  const metrics::Labels create = {{"kind", "shadowsocks"}, {"op", "create_key"}};
  auto& errors =
      registry.GetCounter("vpnhub_backend_call_errors_total", "",
                          {{"kind", "shadowsocks"}, {"op", "create_key"}, {"code", "unavailable"}});
  EXPECT_EQ(errors.Value(), 2);
  auto& create_hist = registry.GetHistogram("vpnhub_backend_call_duration_seconds", "",
                                            metrics::LatencyBuckets(), create);
  EXPECT_EQ(create_hist.Snap().count, 2u);
  auto& ping_hist =
      registry.GetHistogram("vpnhub_backend_call_duration_seconds", "", metrics::LatencyBuckets(),
                            {{"kind", "shadowsocks"}, {"op", "ping"}});
  EXPECT_EQ(ping_hist.Snap().count, 1u);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("vpnhub_backend_call_errors_total{kind=\"shadowsocks\",op=\"create_"
                              "key\",code=\"unavailable\"} 2"));
  EXPECT_THAT(text, HasSubstr("vpnhub_backend_call_errors_total{kind=\"shadowsocks\",op=\"ping\","
                              "code=\"unavailable\"} 0"));
}

// Dashboards compute rate() over the error series: they must exist, at 0, before any call.
TEST(MeteredBackend, EveryErrorSeriesExistsAtZeroBeforeTheFirstCall) {
  fakes::FakeBackend inner;
  metrics::Registry registry;
  MeteredBackend metered(inner, registry);
  const std::string text = registry.Render();
  for (const char* op : {"create_key", "delete_key", "list_keys", "ping", "fetch_remote_data",
                         "traffic", "delete_remote_key"}) {
    for (const char* code : {"invalid_argument", "not_found", "unavailable", "deadline_exceeded",
                             "permission_denied", "internal"}) {
      EXPECT_THAT(text, HasSubstr("vpnhub_backend_call_errors_total{kind=\"shadowsocks\",op=\"" +
                                  std::string(op) + "\",code=\"" + code + "\"} 0\n"));
    }
  }
  EXPECT_THAT(text, ::testing::Not(HasSubstr("code=\"ok\"")));
}

TEST(MeteredBackend, CountsADeadlineOfTheRealAdapter) {
  FakeSsManager fake;
  fake.SetSilent(true);
  shadowsocks::ShadowsocksBackend inner(milliseconds(100));
  metrics::Registry registry;
  MeteredBackend metered(inner, registry);
  Server server = MakeServer(fake.address());
  auto keys = metered.ListKeys(server);
  EXPECT_EQ(keys.status().code(), StatusCode::kDeadlineExceeded);
  auto& errors = registry.GetCounter(
      "vpnhub_backend_call_errors_total", "",
      {{"kind", "shadowsocks"}, {"op", "list_keys"}, {"code", "deadline_exceeded"}});
  EXPECT_EQ(errors.Value(), 1);
  auto snap =
      registry
          .GetHistogram("vpnhub_backend_call_duration_seconds", "", metrics::LatencyBuckets(),
                        {{"kind", "shadowsocks"}, {"op", "list_keys"}})
          .Snap();
  EXPECT_EQ(snap.count, 1u);
  EXPECT_GE(snap.sum, 0.09);
  // Pure calls pass through unmeasured.
  EXPECT_TRUE(metered.ValidateSettings(server).ok());
  EXPECT_TRUE(metered.Delivery(server, MakeKey(0, "s"), "n").ok());
}

}  // namespace
}  // namespace vpnhub::vpn
