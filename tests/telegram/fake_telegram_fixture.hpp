#pragma once
// The fixture of the fake Bot API's own tests: the fake started, a BotApi on it and an HTTP client
// for its /control/ routes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "servers/fake_telegram.hpp"
#include "telegram/bot_api.hpp"

namespace vpnhub::servers::test {

class FakeTelegramClientTest : public ::testing::Test {
 public:
  static constexpr const char* kToken = "4242:fake-test";

 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", fake_.port());
    client_->set_read_timeout(10, 0);
  }

  telegram::BotApi Api() {
    telegram::BotApiOptions options;
    options.base_url = fake_.base_url();
    options.token = kToken;
    return telegram::BotApi(options);
  }

  // A control route that must answer 200; its JSON reply.
  nlohmann::json PostJson(const std::string& path, const nlohmann::json& body) {
    auto res = client_->Post(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, 200) << path << " " << res->body;
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  nlohmann::json GetJson(const std::string& path) {
    auto res = client_->Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  FakeTelegram fake_{kToken};
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace vpnhub::servers::test
