#include "http/ops_routes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "http/raw_client.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::http {
namespace {

using testing::Get;
using testing::RawClient;

class OpsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpsRoutesOptions ops;
    ops.ready = [this] { return ready_.load(); };
    ops.ready_detail = [this] {
      std::lock_guard lock(mu_);
      return detail_;
    };
    ops.registry = &registry_;
    ops.before_metrics_render = [this] { ++renders_; };
    Router router;
    AddOpsRoutes(router, ops);
    ServerOptions o;
    o.port = 0;
    server_ = std::make_unique<HttpServer>(o, std::move(router), &registry_);
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::atomic<bool> ready_{false};
  std::mutex mu_;
  std::string detail_ = "database \"main\" not migrated";
  std::atomic<int> renders_{0};
  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(OpsRoutesTest, HealthzIsOk) {
  auto r = Get(server_->port(), "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  EXPECT_EQ(r->Header("Content-Length"), "3");
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=utf-8");

  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto h = c.Read(/*head_request=*/true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->Header("Content-Length"), "3");
  EXPECT_TRUE(c.pending().empty());
}

TEST_F(OpsRoutesTest, ReadyzFollowsTheFlag) {
  auto r = Get(server_->port(), "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  EXPECT_EQ(r->body, R"({"status":"not_ready","detail":"database \"main\" not migrated"})");

  ready_ = true;
  {
    std::lock_guard lock(mu_);
    detail_ = "ok";
  }
  r = Get(server_->port(), "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"ready"})");
  {
    std::lock_guard lock(mu_);
    detail_ = "ok; nats reconnecting";  // ready, with a dependency's state worth showing
  }
  r = Get(server_->port(), "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"ready","detail":"ok; nats reconnecting"})");

  ready_ = false;
  {
    std::lock_guard lock(mu_);
    detail_ = "line1\nline2";
  }
  r = Get(server_->port(), "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, R"({"status":"not_ready","detail":"line1\nline2"})");
}

TEST_F(OpsRoutesTest, MetricsExposeRegistryAndRequestCounts) {
  registry_.GetCounter("vpnhub_test_widgets_total", "Widgets made in the test.").Inc(7);
  RawClient c(server_->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.Read());
  }
  // Request counters are recorded when the write completes, just after the client sees the
  // bytes; poll with a deadline for the second one.
  std::string body;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const std::string want = "vpnhub_http_requests_total{route=\"/healthz\",code=\"200\"} 2\n";
  do {
    ASSERT_TRUE(c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    body = r->body;
  } while (body.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(body.find("# TYPE vpnhub_test_widgets_total counter\nvpnhub_test_widgets_total 7\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(want), std::string::npos) << body;
  EXPECT_NE(body.find("# TYPE vpnhub_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_GE(renders_.load(), 1);
}

TEST(OpsRoutesNoRegistry, MetricsIsNotRegisteredAndReadyDefaultsToReady) {
  Router router;
  AddOpsRoutes(router, OpsRoutesOptions{});
  ServerOptions o;
  o.port = 0;
  HttpServer s(o, std::move(router));
  ASSERT_TRUE(s.Start().ok());
  auto r = Get(s.port(), "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = Get(s.port(), "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace vpnhub::http
