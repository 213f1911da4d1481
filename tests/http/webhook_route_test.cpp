// The webhook route seam: POST only, the credential header and the body handed to the receiver,
// whose answer goes back as it is.
#include "http/webhook_route.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/raw_client.hpp"

namespace vpnhub::http {
namespace {

using testing::RawClient;

struct Delivery {
  std::string secret;
  std::string body;
};

class WebhookRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    WebhookRoute route;
    route.path = "/hooks/telegram";
    route.secret_header = "X-Telegram-Bot-Api-Secret-Token";
    route.receive = [this](std::string_view secret, std::string_view body) {
      std::lock_guard lock(mu_);
      deliveries_.push_back({std::string(secret), std::string(body)});
      return TextResponse(secret == "right" ? 200 : 401, secret == "right" ? "ok\n" : "no\n");
    };
    AddWebhookRoute(router, std::move(route));
    ServerOptions o;
    o.port = 0;
    server_ = std::make_unique<HttpServer>(o, std::move(router));
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::optional<testing::RawResponse> Send(const std::string& method, const std::string& headers,
                                           const std::string& body) {
    RawClient c(server_->port());
    if (!c.Send(method + " /hooks/telegram HTTP/1.1\r\nHost: x\r\n" + headers +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body)) {
      return std::nullopt;
    }
    return c.Read();
  }

  std::vector<Delivery> deliveries() {
    std::lock_guard lock(mu_);
    return deliveries_;
  }

  std::mutex mu_;
  std::vector<Delivery> deliveries_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(WebhookRouteTest, HandsTheSecretHeaderAndTheBodyToTheReceiver) {
  auto r = Send("POST", "x-telegram-bot-api-secret-token: right\r\n", R"({"update_id":1})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  ASSERT_EQ(deliveries().size(), 1u);
  EXPECT_EQ(deliveries()[0].secret, "right");  // header names are case-insensitive
  EXPECT_EQ(deliveries()[0].body, R"({"update_id":1})");
}

TEST_F(WebhookRouteTest, AMissingHeaderReachesTheReceiverAsEmpty) {
  auto r = Send("POST", "", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);  // the receiver's answer, unchanged
  EXPECT_EQ(r->body, "no\n");
  ASSERT_EQ(deliveries().size(), 1u);
  EXPECT_EQ(deliveries()[0].secret, "");
}

TEST_F(WebhookRouteTest, OnlyPostReachesTheReceiver) {
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    auto r = Send(method, "X-Telegram-Bot-Api-Secret-Token: right\r\n", "{}");
    ASSERT_TRUE(r) << method;
    EXPECT_EQ(r->status, 405) << method;
  }
  EXPECT_TRUE(deliveries().empty());
}

}  // namespace
}  // namespace vpnhub::http
