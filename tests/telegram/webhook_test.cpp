// The webhook handler (secret, parse, hand over), its secret check and the secret every instance
// derives from the bot token.
#include "telegram/webhook.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "servers/fake_telegram.hpp"

namespace vpnhub::telegram {
namespace {

constexpr char kSecret[] = "s3cret-token_0123456789";

class WebhookHandlerTest : public ::testing::Test {
 protected:
  std::vector<Update> dispatched;
  WebhookHandler handler{kSecret, [this](Update u) { dispatched.push_back(std::move(u)); }};
  const std::string update = [] {
    nlohmann::json j = servers::MessageUpdate(71, "/start");
    j["update_id"] = 9;
    return j.dump();
  }();
};

TEST_F(WebhookHandlerTest, TheRightSecretDispatchesAndAnswers200) {
  const WebhookReply r = handler.Handle(kSecret, update);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  ASSERT_EQ(dispatched.size(), 1u);
  EXPECT_EQ(dispatched[0].update_id, 9);
  ASSERT_TRUE(dispatched[0].message.has_value());
  EXPECT_EQ(dispatched[0].message->text, "/start");
}

TEST_F(WebhookHandlerTest, AWrongOrMissingSecretIs401AndDispatchesNothing) {
  const std::string secret = kSecret;
  for (const std::string& wrong : {secret + "x", secret.substr(0, secret.size() - 1),
                                   std::string("s3cret-token_0123456780"), std::string()}) {
    EXPECT_EQ(handler.Handle(wrong, update).status, 401) << wrong;
  }
  EXPECT_TRUE(dispatched.empty());
  // Before the body is even looked at.
  EXPECT_EQ(handler.Handle("", "not json").status, 401);
}

TEST_F(WebhookHandlerTest, GarbageIs400) {
  EXPECT_EQ(handler.Handle(kSecret, "not json").status, 400);
  EXPECT_EQ(handler.Handle(kSecret, "{\"message\":{}}").status, 400);
  EXPECT_TRUE(dispatched.empty());
}

TEST_F(WebhookHandlerTest, AnUnsetSecretRefusesEverything) {
  WebhookHandler open("", [this](Update u) { dispatched.push_back(std::move(u)); });
  EXPECT_EQ(open.Handle("", update).status, 401);
  EXPECT_EQ(open.Handle(kSecret, update).status, 401);
  EXPECT_TRUE(dispatched.empty());
}

TEST_F(WebhookHandlerTest, ADispatcherThatCannotTakeTheUpdateIs503SoTelegramRetries) {
  WebhookHandler busy(kSecret,
                      [](Update) { throw std::runtime_error("update handlers are busy"); });
  const WebhookReply r = busy.Handle(kSecret, update);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("update handlers are busy"), std::string::npos) << r.body;
}

TEST(SecretTokenMatchesTest, OnlyTheExactSecretMatches) {
  EXPECT_TRUE(SecretTokenMatches(kSecret, kSecret));
  // Same length, one character off: first, middle, last.

  const std::size_t n = std::string(kSecret).size();
  for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
    std::string w = kSecret;
    w[i] = w[i] == 'x' ? 'y' : 'x';
    ASSERT_EQ(w.size(), n);
    EXPECT_FALSE(SecretTokenMatches(w, kSecret)) << w;
  }
  EXPECT_FALSE(SecretTokenMatches("S3CRET-TOKEN_0123456789", kSecret));  // case matters
  // A prefix, the secret with more after it, an empty header.
  EXPECT_FALSE(SecretTokenMatches("s3cret-token_012345678", kSecret));
  EXPECT_FALSE(SecretTokenMatches("s3cret", kSecret));
  EXPECT_FALSE(SecretTokenMatches(std::string(kSecret) + "9", kSecret));
  EXPECT_FALSE(SecretTokenMatches("", kSecret));
  // Nothing matches an empty (unset) secret, not even an empty header.
  EXPECT_FALSE(SecretTokenMatches("", ""));
  EXPECT_FALSE(SecretTokenMatches(kSecret, ""));
}

TEST(DefaultWebhookSecretTest, IsHmacSha256OfTheTokenAsHexTheSameEverywhere) {
  const std::string token = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  // python3: hmac.new(token, b"vpnhub-webhook", hashlib.sha256).hexdigest()
  EXPECT_EQ(DefaultWebhookSecret(token),
            "b1eea167a33afb4b78d0bf9375a8a332cf4f5e73942fa5ccc2237f72de279776");
  EXPECT_EQ(DefaultWebhookSecret(token), DefaultWebhookSecret(std::string(token)));
  EXPECT_NE(DefaultWebhookSecret(token), DefaultWebhookSecret("123456:BBBBBBBBBBBBBBBBBBBBBBBB"));
  const std::string secret = DefaultWebhookSecret(token);
  ASSERT_EQ(secret.size(), 64u);  // within Telegram's 1..256
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(secret.find(token.substr(7)), std::string::npos);  // the token does not show
}

}  // namespace
}  // namespace vpnhub::telegram
