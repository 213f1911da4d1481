// The fake Bot API's Telegram Stars: sendInvoice checked as Telegram checks a Stars invoice,
// answerPreCheckoutQuery against the injected query and its 10 s, refundStarPayment against the
// charges it made, and the injected updates as BotApi reads them.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "servers/fake_telegram.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/fake_telegram_fixture.hpp"

namespace vpnhub::servers {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class FakeTelegramPaymentsTest : public test::FakeTelegramClientTest {
 protected:
  // One Bot API call as raw JSON: (HTTP status, description).
  std::pair<int, std::string> Raw(const std::string& method, const json& params) {
    const std::string path = std::string("/bot") + kToken + "/" + method;
    auto res = client_->Post(path.c_str(), params.dump(), "application/json");
    if (!res) return {0, "no reply"};
    const json body = json::parse(res->body, nullptr, false);
    return {res->status, body.value("description", "")};
  }

  static json Invoice() {
    return json{{"chat_id", 5},
                {"title", "VPN, 1 month"},
                {"description", "A key in Amsterdam for 31 days"},
                {"payload", "42"},
                {"provider_token", ""},
                {"currency", "XTR"},
                {"prices", json::array({json{{"label", "1 month"}, {"amount", 150}}})}};
  }
};

TEST_F(FakeTelegramPaymentsTest, SendInvoiceAcceptsAStarsInvoice) {
  EXPECT_EQ(Raw("sendInvoice", Invoice()).first, 200);
  json without_token = Invoice();
  without_token.erase("provider_token");  // may be omitted for Stars
  EXPECT_EQ(Raw("sendInvoice", without_token).first, 200);
  json longest = Invoice();
  longest["title"] = std::string(32, 't');
  longest["description"] = std::string(255, 'd');
  longest["payload"] = std::string(128, 'p');
  EXPECT_EQ(Raw("sendInvoice", longest).first, 200);
  const auto calls = fake_.Calls("sendInvoice");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].chat_id, 5);
  EXPECT_NE(calls[0].message_id, 0);
  EXPECT_EQ(calls[0].params["payload"], "42");
}

TEST_F(FakeTelegramPaymentsTest, SendInvoiceRefusesWhatTelegramRefusesForStars) {
  const auto refused = [&](const char* field, const json& value) {
    json params = Invoice();
    params[field] = value;
    return Raw("sendInvoice", params);
  };
  EXPECT_EQ(refused("currency", "RUB"),
            std::make_pair(400, std::string("Bad Request: CURRENCY_INVALID")));
  EXPECT_EQ(refused("provider_token", "381764678:TEST:1"),
            std::make_pair(400, std::string("Bad Request: STARS_INVOICE_INVALID")));
  EXPECT_EQ(refused("prices", json::array({json{{"label", "a"}, {"amount", 100}},
                                           json{{"label", "b"}, {"amount", 50}}})),
            std::make_pair(400, std::string("Bad Request: STARS_INVOICE_INVALID")));
  EXPECT_EQ(refused("prices", json::array()).first, 400);
  EXPECT_EQ(refused("prices", json::array({json{{"label", "a"}, {"amount", 0}}})).first, 400);
  EXPECT_EQ(refused("max_tip_amount", 10).second, "Bad Request: STARS_INVOICE_INVALID");
  EXPECT_EQ(refused("title", "").first, 400);
  EXPECT_EQ(refused("title", std::string(33, 't')).first, 400);
  EXPECT_EQ(refused("description", "").first, 400);
  EXPECT_EQ(refused("description", std::string(256, 'd')).first, 400);
  EXPECT_EQ(refused("payload", "").first, 400);
  EXPECT_EQ(refused("payload", std::string(129, 'p')).first, 400);
  json no_chat = Invoice();
  no_chat.erase("chat_id");
  EXPECT_EQ(Raw("sendInvoice", no_chat).first, 400);
}

TEST_F(FakeTelegramPaymentsTest, InjectedUpdatesReadAsTelegramSendsThem) {
  telegram::BotApi api = Api();
  const json query = fake_.InjectPreCheckout(7, "42", 150, "XTR", "ru");
  const json paid = fake_.InjectSuccessfulPayment(7, "42", 150);
  const auto updates = api.GetUpdates(0, 0, {});
  ASSERT_TRUE(updates.ok()) << updates.status().ToString();
  ASSERT_EQ(updates->size(), 2u);
  const auto& q = (*updates)[0].pre_checkout_query;
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->id, query["pre_checkout_query"]["id"]);
  EXPECT_EQ(q->from.id, 7);
  EXPECT_EQ(q->from.language_code, "ru");
  EXPECT_EQ(q->currency, "XTR");
  EXPECT_EQ(q->total_amount, 150);
  EXPECT_EQ(q->invoice_payload, "42");
  const auto& m = (*updates)[1].message;
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(m->successful_payment.has_value());
  EXPECT_EQ(m->chat.id, 7);
  EXPECT_EQ(m->successful_payment->total_amount, 150);
  EXPECT_EQ(m->successful_payment->invoice_payload, "42");
  EXPECT_EQ(m->successful_payment->telegram_payment_charge_id,
            paid["message"]["successful_payment"]["telegram_payment_charge_id"]);
  EXPECT_FALSE(m->successful_payment->telegram_payment_charge_id.empty());

  // Registered only: nothing queued, the answer is still accepted (a webhook test posts it).
  const json unqueued = fake_.InjectPreCheckout(8, "43", 400, "XTR", "en", /*queue=*/false);
  EXPECT_FALSE(unqueued.contains("update_id"));
  EXPECT_EQ(fake_.PendingUpdates(), 2u);
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(unqueued["pre_checkout_query"]["id"], true).ok());
}

TEST_F(FakeTelegramPaymentsTest, AnswerPreCheckoutQueryIsCheckedAgainstTheQuery) {
  telegram::BotApi api = Api();
  const std::string yes = fake_.InjectPreCheckout(7, "42", 150)["pre_checkout_query"]["id"];
  const std::string no = fake_.InjectPreCheckout(8, "43", 150)["pre_checkout_query"]["id"];
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(yes, true).ok());
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(no, false, "This order has expired").ok());
  // Twice, or a query Telegram never sent: refused.
  EXPECT_EQ(api.AnswerPreCheckoutQuery(yes, true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.AnswerPreCheckoutQuery("123", true).code(), StatusCode::kInvalidArgument);
  // A refusal without its message: refused by Telegram too (BotApi does not send it).
  const std::string third = fake_.InjectPreCheckout(9, "44", 150)["pre_checkout_query"]["id"];
  EXPECT_EQ(Raw("answerPreCheckoutQuery", json{{"pre_checkout_query_id", third}, {"ok", false}}),
            std::make_pair(400, std::string("Bad Request: ERROR_MESSAGE_EMPTY")));

  const auto answers = fake_.PreCheckoutAnswers();
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(answers[0].user_id, 7);
  EXPECT_TRUE(answers[0].ok);
  EXPECT_TRUE(answers[0].in_time);
  EXPECT_GE(answers[0].latency_ms, 0);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[1].user_id, 8);
  EXPECT_FALSE(answers[1].ok);
  EXPECT_EQ(answers[1].error_message, "This order has expired");
  EXPECT_EQ(answers[2].status, 400);
  EXPECT_EQ(answers[3].user_id, 0);
  EXPECT_EQ(answers[3].latency_ms, -1);
  EXPECT_EQ(answers[4].status, 400);
}

TEST_F(FakeTelegramPaymentsTest, AnAnswerAfterTheDeadlineIsTooLate) {
  telegram::BotApi api = Api();
  fake_.SetPreCheckoutDeadline(milliseconds(50));
  const std::string id = fake_.InjectPreCheckout(7, "42", 150)["pre_checkout_query"]["id"];
  std::this_thread::sleep_for(milliseconds(120));  // the point is to be late
  EXPECT_EQ(api.AnswerPreCheckoutQuery(id, true).code(), StatusCode::kInvalidArgument);
  const auto answers = fake_.PreCheckoutAnswers();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_FALSE(answers[0].in_time);
  EXPECT_GE(answers[0].latency_ms, 120);
  EXPECT_EQ(answers[0].status, 400);
}

TEST_F(FakeTelegramPaymentsTest, RefundStarPaymentOnlyForAChargeItMade) {
  telegram::BotApi api = Api();
  const json paid = fake_.InjectSuccessfulPayment(7, "42", 150, "stxKnown1");
  EXPECT_EQ(paid["message"]["successful_payment"]["telegram_payment_charge_id"], "stxKnown1");
  EXPECT_EQ(api.RefundStarPayment(7, "stxUnknown").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().description, "Bad Request: CHARGE_NOT_FOUND");
  EXPECT_EQ(api.RefundStarPayment(8, "stxKnown1").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(fake_.StarCharges().size() == 1 && !fake_.StarCharges()[0].refunded);
  EXPECT_TRUE(api.RefundStarPayment(7, "stxKnown1").ok());
  EXPECT_TRUE(fake_.StarCharges()[0].refunded);
  EXPECT_EQ(api.RefundStarPayment(7, "stxKnown1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().description, "Bad Request: CHARGE_ALREADY_REFUNDED");
  // A redelivery of the same payment makes no second charge.
  fake_.InjectSuccessfulPayment(7, "42", 150, "stxKnown1");
  EXPECT_EQ(fake_.StarCharges().size(), 1u);
}

TEST_F(FakeTelegramPaymentsTest, ControlRoutesInjectAndReport) {
  telegram::BotApi api = Api();
  const json query = PostJson("/control/pre_checkout",
                              json{{"user_id", 7}, {"payload", "42"}, {"total_amount", 150}});
  ASSERT_TRUE(query["update"].contains("update_id"));
  const std::string id = query["update"]["pre_checkout_query"]["id"];
  const json paid =
      PostJson("/control/successful_payment",
               json{{"user_id", 7}, {"payload", "42"}, {"total_amount", 150}, {"queue", false}});
  const std::string charge = paid["charge_id"];
  EXPECT_EQ(paid["update"]["message"]["successful_payment"]["telegram_payment_charge_id"], charge);
  EXPECT_EQ(GetJson("/control/updates")["pending"], 1);  // the payment was not queued

  EXPECT_TRUE(api.AnswerPreCheckoutQuery(id, true).ok());
  const json answers = GetJson("/control/pre_checkout_answers");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]["query_id"], id);
  EXPECT_EQ(answers[0]["ok"], true);
  EXPECT_EQ(answers[0]["in_time"], true);

  EXPECT_TRUE(api.RefundStarPayment(7, charge).ok());
  const json charges = GetJson("/control/charges");
  ASSERT_EQ(charges.size(), 1u);
  EXPECT_EQ(charges[0]["refunded"], true);

  PostJson("/control/pre_checkout_deadline", json{{"ms", 1}});
  PostJson("/control/reset", json::object());
  EXPECT_EQ(GetJson("/control/pre_checkout_answers").size(), 0u);
  EXPECT_EQ(GetJson("/control/charges").size(), 0u);
  // Reset restores Telegram's 10 s.
  const json again = PostJson("/control/pre_checkout",
                              json{{"user_id", 7}, {"payload", "42"}, {"total_amount", 150}});
  std::this_thread::sleep_for(milliseconds(20));  // longer than the 1 ms set before the reset
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(again["update"]["pre_checkout_query"]["id"], true).ok());
}

}  // namespace
}  // namespace vpnhub::servers
