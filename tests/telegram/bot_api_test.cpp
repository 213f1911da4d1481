#include "telegram/bot_api.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "servers/fake_telegram.hpp"

namespace vpnhub::telegram {
namespace {

using nlohmann::json;
using servers::CallbackUpdate;
using servers::FakeTelegram;
using servers::MessageUpdate;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kToken[] = "777000:AAF-secret-token_value";
// The PNG signature and the start of an IHDR chunk for a 64x64 image.
constexpr char kPngBytes[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x40\0\0\0\x40\x08\x02\0\0\0";
const std::string kPng(kPngBytes, sizeof kPngBytes - 1);

class BotApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_ = new CurlGlobal(); }
  static void TearDownTestSuite() {
    delete curl_;
    curl_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(curl_->ok());
    ASSERT_TRUE(fake_.Start().ok());
  }

  BotApi Api(std::string token = kToken, milliseconds timeout = milliseconds(5000)) {
    BotApiOptions options;
    options.base_url = fake_.base_url();
    options.token = std::move(token);
    options.timeout = timeout;
    options.connect_timeout = milliseconds(2000);
    return BotApi(options);
  }

  static CurlGlobal* curl_;
  FakeTelegram fake_{kToken};
};

CurlGlobal* BotApiTest::curl_ = nullptr;

TEST_F(BotApiTest, GetMeReturnsTheBot) {
  BotApi api = Api();
  const auto me = api.GetMe();
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->id, 777000);
  EXPECT_TRUE(me->is_bot);
  EXPECT_EQ(me->username, "fake_test_bot");
  EXPECT_EQ(api.last_error().http_status, 0);
}

TEST_F(BotApiTest, ReusesOneConnectionAcrossCalls) {
  BotApi api = Api();
  ASSERT_TRUE(api.GetMe().ok());
  ASSERT_TRUE(api.SendMessage({.chat_id = 1, .text = "a"}).ok());
  ASSERT_TRUE(api.AnswerCallbackQuery("q").ok());
  const auto calls = fake_.Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].client_port, calls[0].client_port);
  EXPECT_EQ(calls[2].client_port, calls[0].client_port);
}

TEST_F(BotApiTest, GetUpdatesHonoursOffsetAndLimit) {
  BotApi api = Api();
  const std::int64_t first = fake_.PushUpdate(MessageUpdate(5, "/start", "ru"));
  fake_.PushUpdate(CallbackUpdate(5, "buy:1m", 3));
  fake_.PushUpdate(MessageUpdate(6, "hello"));

  auto batch = api.GetUpdates(0, 0, {"message", "callback_query"}, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].update_id, first);
  ASSERT_TRUE((*batch)[0].message.has_value());
  EXPECT_EQ((*batch)[0].message->text, "/start");
  EXPECT_EQ((*batch)[0].message->from->language_code, "ru");
  ASSERT_TRUE((*batch)[1].callback_query.has_value());
  EXPECT_EQ((*batch)[1].callback_query->data, "buy:1m");
  EXPECT_EQ((*batch)[1].callback_query->message->message_id, 3);
  const auto recorded = fake_.Calls("getUpdates").back().params;
  EXPECT_EQ(recorded["allowed_updates"], json::array({"message", "callback_query"}));

  // Without a higher offset nothing is confirmed: the same updates come again.
  batch = api.GetUpdates(0, 0, {}, 100);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->size(), 3u);

  // offset = last seen + 1 confirms the first two.
  batch = api.GetUpdates(first + 2, 0, {}, 100);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_EQ((*batch)[0].message->chat.id, 6);
  EXPECT_EQ(fake_.PendingUpdates(), 1u);

  batch = api.GetUpdates(first + 3, 0, {}, 100);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
  EXPECT_EQ(fake_.PendingUpdates(), 0u);
}

TEST_F(BotApiTest, LongPollReturnsAsSoonAsAnUpdateArrives) {
  auto poll = std::async(std::launch::async, [&] {
    BotApi poller = Api();
    const auto start = steady_clock::now();
    auto r = poller.GetUpdates(0, 20, {"message"});
    return std::make_pair(std::move(r), steady_clock::now() - start);
  });
  ASSERT_TRUE(fake_.WaitForPoller(milliseconds(5000)));
  const std::int64_t id = fake_.PushUpdate(MessageUpdate(9, "hi"));
  auto [result, elapsed] = poll.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].update_id, id);
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // far below the 20 s poll timeout
}

TEST_F(BotApiTest, LongPollWithoutUpdatesWaitsForTheTimeout) {
  BotApi api = Api();
  const auto start = steady_clock::now();
  const auto r = api.GetUpdates(0, 1, {});
  const auto elapsed = steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
  EXPECT_GE(elapsed, milliseconds(950));
  EXPECT_LT(elapsed, milliseconds(4000));
}

TEST_F(BotApiTest, LongPollOutlivesTheOrdinaryRequestTimeout) {
  // The request timeout is 300 ms, but getUpdates allows timeout_sec + 15 s.
  BotApi api = Api(kToken, milliseconds(300));
  const auto r = api.GetUpdates(0, 1, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(BotApiTest, SendMessageCarriesTheKeyboard) {
  BotApi api = Api();
  SendMessageRequest request;
  request.chat_id = 42;
  request.text = "<b>Plans</b> &amp; prices";
  request.keyboard = {{{"1 month", "buy:1m", ""}, {"3 months", "buy:3m", ""}},
                      {{"Help", "", "https://example.org/help"}}};
  const auto id = api.SendMessage(request);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 1);

  const auto calls = fake_.Calls("sendMessage");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].chat_id, 42);
  EXPECT_EQ(calls[0].text, request.text);
  EXPECT_EQ(calls[0].message_id, 1);
  EXPECT_EQ(calls[0].params["parse_mode"], "HTML");
  EXPECT_EQ(calls[0].params["link_preview_options"]["is_disabled"], true);
  const json& keyboard = calls[0].reply_markup["inline_keyboard"];
  ASSERT_EQ(keyboard.size(), 2u);
  EXPECT_EQ(keyboard[0][0]["callback_data"], "buy:1m");
  EXPECT_EQ(keyboard[0][1]["callback_data"], "buy:3m");
  EXPECT_EQ(keyboard[1][0]["url"], "https://example.org/help");

  EXPECT_EQ(*api.SendMessage({.chat_id = 42, .text = "second"}), 2);
  EXPECT_TRUE(fake_.Calls("sendMessage")[1].reply_markup.is_null());
}

TEST_F(BotApiTest, SendMessageRefusesOverlongCallbackDataWithoutACall) {
  BotApi api = Api();
  SendMessageRequest request{.chat_id = 1, .text = "x"};
  request.keyboard = {{{"b", std::string(65, 'x'), ""}}};
  const auto r = api.SendMessage(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Calls().empty());
}

TEST_F(BotApiTest, InvalidUtf8IsReplacedNotThrown) {
  BotApi api = Api();
  const auto r = api.SendMessage({.chat_id = 1, .text = "bad \xff byte"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fake_.Calls("sendMessage")[0].text, "bad \xef\xbf\xbd byte");
}

TEST_F(BotApiTest, BadHtmlIsInvalidArgumentWithTelegramsDescription) {
  BotApi api = Api();
  const auto r = api.SendMessage({.chat_id = 1, .text = "1 < 2 <b>unclosed"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().http_status, 400);
  EXPECT_NE(api.last_error().description.find("can't parse entities"), std::string::npos);
}

TEST_F(BotApiTest, EditMessageTextAndNotModifiedIsOk) {
  BotApi api = Api();
  const auto id = api.SendMessage({.chat_id = 7, .text = "Pick a plan"});
  ASSERT_TRUE(id.ok());
  const InlineKeyboard keyboard = {{{"Back", "menu", ""}}};
  ASSERT_TRUE(api.EditMessageText(7, *id, "Paid, thanks", keyboard).ok());
  auto edits = fake_.Calls("editMessageText");
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].status, 200);
  EXPECT_EQ(edits[0].text, "Paid, thanks");
  EXPECT_EQ(edits[0].reply_markup["inline_keyboard"][0][0]["callback_data"], "menu");

  // The same content again: Telegram answers 400 "message is not modified"; that is success.
  const Status again = api.EditMessageText(7, *id, "Paid, thanks", keyboard);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(api.last_error().http_status, 0);
  edits = fake_.Calls("editMessageText");
  ASSERT_EQ(edits.size(), 2u);
  EXPECT_EQ(edits[1].status, 400);

  const Status missing = api.EditMessageText(7, 999, "x");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
}

TEST_F(BotApiTest, SendPhotoUploadsThePngAsMultipart) {
  BotApi api = Api();
  std::string png = kPng + std::string(5000, '\0');  // over 1 KB: no Expect: 100-continue stall
  const auto start = steady_clock::now();
  const auto id = api.SendPhoto(11, png, "Your key", {{{"Done", "done", ""}}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(900));
  const auto calls = fake_.Calls("sendPhoto");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].chat_id, 11);
  EXPECT_EQ(calls[0].photo_size, png.size());
  EXPECT_EQ(calls[0].text, "Your key");
  EXPECT_EQ(calls[0].params["parse_mode"], "HTML");
  EXPECT_EQ(calls[0].reply_markup["inline_keyboard"][0][0]["callback_data"], "done");
  EXPECT_EQ(calls[0].message_id, *id);

  const auto not_png = api.SendPhoto(11, "GIF89a....", "");
  ASSERT_FALSE(not_png.ok());
  EXPECT_EQ(not_png.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BotApiTest, AnswerCallbackQueryAndChatMembership) {
  BotApi api = Api();
  ASSERT_TRUE(api.AnswerCallbackQuery("cb-1", "Done", true).ok());
  const auto answers = fake_.Calls("answerCallbackQuery");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].params["callback_query_id"], "cb-1");
  EXPECT_EQ(answers[0].params["show_alert"], true);

  fake_.AddMember(5);
  const auto in = api.GetChatMember(-1001234, 5);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->status, "member");
  EXPECT_TRUE(in->is_member);
  const auto out = api.GetChatMember(-1001234, 6);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, "left");
  EXPECT_FALSE(out->is_member);
}

TEST_F(BotApiTest, WebhookBlocksPollingUntilDeleted) {
  BotApi api = Api();
  ASSERT_TRUE(api.SetWebhook("https://hub.example/tg/hook", "s3cret_-", {"message"}).ok());
  EXPECT_EQ(fake_.webhook_url(), "https://hub.example/tg/hook");
  EXPECT_EQ(fake_.Calls("setWebhook")[0].params["secret_token"], "s3cret_-");

  const auto conflict = api.GetUpdates(0, 0, {});
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().http_status, 409);

  fake_.PushUpdate(MessageUpdate(1, "old"));
  ASSERT_TRUE(api.DeleteWebhook(/*drop_pending_updates=*/true).ok());
  EXPECT_FALSE(fake_.webhook_url().has_value());
  const auto r = api.GetUpdates(0, 0, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(BotApiTest, SetMyCommandsSendsTheScopeAndLanguageTheDocsName) {
  BotApi api = Api();
  const std::vector<BotCommand> menu = {{"start", "Main menu"}, {"keys", "Your keys"}};
  ASSERT_TRUE(api.SetMyCommands(menu).ok()) << api.last_error().description;
  ASSERT_TRUE(api.SetMyCommands({{"start", "Главное меню"}}, 0, "ru").ok());
  ASSERT_TRUE(api.SetMyCommands({{"admin", "Summary"}}, 1000).ok());

  const auto calls = fake_.Calls("setMyCommands");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].params["scope"], json({{"type", "default"}}));
  EXPECT_FALSE(calls[0].params.contains("language_code"));
  EXPECT_EQ(calls[0].params["commands"][1],
            json({{"command", "keys"}, {"description", "Your keys"}}));
  EXPECT_EQ(calls[1].params["language_code"], "ru");
  EXPECT_EQ(calls[2].params["scope"], json({{"type", "chat"}, {"chat_id", 1000}}));

  EXPECT_EQ(fake_.MyCommands(), json::parse(R"([{"command":"start","description":"Main menu"},
                                                {"command":"keys","description":"Your keys"}])"));
  EXPECT_EQ(fake_.MyCommands(nullptr, "ru")[0]["description"], "Главное меню");
  EXPECT_EQ(fake_.MyCommands(json{{"type", "chat"}, {"chat_id", 1000}})[0]["command"], "admin");

  // What Telegram refuses is a bad request, never sent half.
  const auto refused = api.SetMyCommands({{"Start", "capital letters"}});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().description, "Bad Request: BOT_COMMAND_INVALID");
  EXPECT_EQ(fake_.MyCommands().size(), 2u);
}

TEST_F(BotApiTest, TooManyRequestsIsResourceExhaustedWithRetryAfter) {
  BotApi api = Api();
  fake_.FailNext("sendMessage", 1, 429, 7);
  const auto r = api.SendMessage({.chat_id = 3, .text = "hi"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(r.status().retryable());  // the caller waits retry_after instead
  EXPECT_EQ(api.last_error().http_status, 429);
  EXPECT_EQ(api.last_error().error_code, 429);
  EXPECT_EQ(api.last_error().retry_after_sec, 7);
  EXPECT_EQ(api.last_error().description, "Too Many Requests: retry after 7");

  const auto retried = api.SendMessage({.chat_id = 3, .text = "hi"});
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(api.last_error().retry_after_sec, 0);
}

TEST_F(BotApiTest, BlockedUserIsPermissionDeniedAndMarkedBlocked) {
  BotApi api = Api();
  fake_.Block(13);
  const auto r = api.SendMessage({.chat_id = 13, .text = "renew?"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(api.last_error().blocked);
  EXPECT_EQ(api.last_error().http_status, 403);
  EXPECT_EQ(api.SendPhoto(13, kPng).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(api.last_error().blocked);

  for (const char* description : {"Forbidden: user is deactivated",
                                  "Forbidden: bot can't initiate conversation with a user"}) {
    fake_.FailNext("sendMessage", 1, 403, 0, description);
    EXPECT_EQ(api.SendMessage({.chat_id = 14, .text = "x"}).status().code(),
              StatusCode::kPermissionDenied);
    EXPECT_TRUE(api.last_error().blocked) << description;
  }
  fake_.FailNext("getChatMember", 1, 403, 0, "Forbidden: bot is not a member of the channel chat");
  EXPECT_EQ(api.GetChatMember(-100, 1).status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(api.last_error().blocked);

  fake_.Block(13, false);
  EXPECT_TRUE(api.SendMessage({.chat_id = 13, .text = "renew?"}).ok());
}

TEST_F(BotApiTest, ServerErrorIsUnavailableAndRetryable) {
  BotApi api = Api();
  fake_.FailNext("getUpdates", 2, 500);
  for (int i = 0; i < 2; ++i) {
    const auto r = api.GetUpdates(0, 0, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_TRUE(r.status().retryable());
    EXPECT_EQ(api.last_error().http_status, 500);
  }
  EXPECT_TRUE(api.GetUpdates(0, 0, {}).ok());
}

TEST_F(BotApiTest, WrongTokenIsFailedPreconditionAndTheTokenIsMasked) {
  const std::string wrong = "777000:WRONG-token-abcdef";
  BotApi api = Api(wrong);
  const auto r = api.GetMe();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(api.last_error().http_status, 401);
  EXPECT_EQ(api.last_error().description, "Unauthorized");
  EXPECT_EQ(r.status().message().find(wrong), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("WRONG-token"), std::string::npos);
}

TEST_F(BotApiTest, ConnectionRefusedIsUnavailableWithoutTheToken) {
  FakeTelegram gone(kToken);
  ASSERT_TRUE(gone.Start().ok());
  const std::string url = gone.base_url();
  gone.Stop();

  BotApiOptions options;
  options.base_url = url;
  options.token = kToken;
  BotApi api(options);
  const auto r = api.SendMessage({.chat_id = 1, .text = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(api.last_error().http_status, 0);
  EXPECT_FALSE(api.last_error().description.empty());
  EXPECT_EQ(r.status().message().find(kToken), std::string::npos) << r.status().message();
}

TEST_F(BotApiTest, TokenInTheUrlNeverLeaksFromCurlErrors) {
  BotApiOptions options;
  options.base_url = "http://exa mple.invalid:99999";  // curl rejects the URL itself
  options.token = kToken;
  BotApi api(options);
  const auto r = api.GetMe();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("secret-token"), std::string::npos) << r.status().message();
  EXPECT_EQ(api.last_error().description.find("secret-token"), std::string::npos);
}

TEST_F(BotApiTest, RequestTimeoutIsUnavailable) {
  BotApi api = Api(kToken, milliseconds(300));
  const auto start = steady_clock::now();
  const auto r = api.Call("getUpdates", json{{"timeout", 10}});  // the fake holds it 10 s
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(BotApiTest, GenericCallReturnsTheResult) {
  BotApi api = Api();
  const auto r = api.Call("getWebhookInfo", json::object());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["url"], "");
  const auto unknown = api.Call("sendInvoiceX", json::object());
  EXPECT_EQ(unknown.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(api.last_error().http_status, 404);
}

TEST_F(BotApiTest, SendInvoiceSendsAStarsInvoiceWithOnePrice) {
  BotApi api = Api();
  SendInvoiceRequest r;
  r.chat_id = 5;
  r.title = "VPN, 3 months";
  r.description = "A key in Amsterdam for 93 days";
  r.payload = "42";
  r.label = "3 months";
  r.amount = 400;
  const auto id = api.SendInvoice(r);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_GT(*id, 0);
  const auto calls = fake_.Calls("sendInvoice");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].params, json::parse(R"({"chat_id": 5, "title": "VPN, 3 months",
      "description": "A key in Amsterdam for 93 days", "payload": "42", "provider_token": "",
      "currency": "XTR", "prices": [{"label": "3 months", "amount": 400}]})"));
}

TEST_F(BotApiTest, SendInvoiceRefusesAnIncompleteInvoiceWithoutSending) {
  BotApi api = Api();
  SendInvoiceRequest r{.chat_id = 5, .title = "t", .description = "d", .payload = "1"};
  r.label = "1 month";
  r.amount = 0;
  EXPECT_EQ(api.SendInvoice(r).status().code(), StatusCode::kInvalidArgument);
  r.amount = 1;
  r.payload.clear();
  EXPECT_EQ(api.SendInvoice(r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Calls("sendInvoice").empty());
  // What only Telegram checks comes back classified: a title over 32 characters is a 400.
  r.payload = "1";
  r.title = std::string(33, 't');
  EXPECT_EQ(api.SendInvoice(r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.last_error().http_status, 400);
}

TEST_F(BotApiTest, AnswerPreCheckoutQueryOkAndRefusal) {
  BotApi api = Api();
  const std::string a = fake_.InjectPreCheckout(5, "42", 150)["pre_checkout_query"]["id"];
  const std::string b = fake_.InjectPreCheckout(6, "43", 150)["pre_checkout_query"]["id"];
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(a, true).ok());
  EXPECT_EQ(api.AnswerPreCheckoutQuery(b, false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_.Calls("answerPreCheckoutQuery").size(), 1u);  // the bare refusal was not sent
  EXPECT_TRUE(api.AnswerPreCheckoutQuery(b, false, "Заказ устарел").ok());
  const auto calls = fake_.Calls("answerPreCheckoutQuery");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].params, json({{"pre_checkout_query_id", a}, {"ok", true}}));
  EXPECT_EQ(
      calls[1].params,
      json({{"pre_checkout_query_id", b}, {"ok", false}, {"error_message", "Заказ устарел"}}));
}

TEST_F(BotApiTest, RefundStarPaymentNamesThePersonAndTheCharge) {
  BotApi api = Api();
  fake_.InjectSuccessfulPayment(5, "42", 150, "stxCharge1");
  EXPECT_TRUE(api.RefundStarPayment(5, "stxCharge1").ok());
  EXPECT_EQ(fake_.Calls("refundStarPayment")[0].params,
            json({{"user_id", 5}, {"telegram_payment_charge_id", "stxCharge1"}}));
  // Telegram's 400 for a charge it does not know (or one refunded already) is kInvalidArgument.
  EXPECT_EQ(api.RefundStarPayment(5, "stxCharge1").code(), StatusCode::kInvalidArgument);
  fake_.FailNext("refundStarPayment", 1, 502);
  EXPECT_EQ(api.RefundStarPayment(5, "stxCharge1").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vpnhub::telegram
