#include "telegram/types.hpp"

#include <gtest/gtest.h>

#include "telegram/bot_api.hpp"

namespace vpnhub::telegram {
namespace {

using nlohmann::json;

TEST(ParseUpdateTest, MessageFromAUser) {
  const auto u = ParseUpdateText(R"({
    "update_id": 900000001,
    "message": {"message_id": 17, "date": 1700000000, "text": "/start ref_42",
                "from": {"id": 5000000001, "is_bot": false, "first_name": "Ann",
                         "username": "ann", "language_code": "ru"},
                "chat": {"id": 5000000001, "type": "private", "first_name": "Ann"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->update_id, 900000001);
  ASSERT_TRUE(u->message.has_value());
  EXPECT_FALSE(u->callback_query.has_value());
  EXPECT_EQ(u->message->message_id, 17);
  EXPECT_EQ(u->message->chat.id, 5000000001);
  EXPECT_EQ(u->message->chat.type, "private");
  EXPECT_EQ(u->message->text, "/start ref_42");
  ASSERT_TRUE(u->message->from.has_value());
  EXPECT_EQ(u->message->from->id, 5000000001);
  EXPECT_FALSE(u->message->from->is_bot);
  EXPECT_EQ(u->message->from->username, "ann");
  EXPECT_EQ(u->message->from->first_name, "Ann");
  EXPECT_EQ(u->message->from->language_code, "ru");
}

TEST(ParseUpdateTest, CallbackQueryWithItsMessage) {
  const auto u = ParseUpdateText(R"({
    "update_id": 2,
    "callback_query": {"id": "4382bfdwdsb323b2d9", "chat_instance": "-7",
                       "from": {"id": 5, "is_bot": false, "first_name": "Bo"},
                       "message": {"message_id": 3, "date": 1, "text": "Pick a plan",
                                   "chat": {"id": 5, "type": "private"}},
                       "data": "buy:1m"}})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->message.has_value());
  ASSERT_TRUE(u->callback_query.has_value());
  const CallbackQuery& q = *u->callback_query;
  EXPECT_EQ(q.id, "4382bfdwdsb323b2d9");
  EXPECT_EQ(q.from.id, 5);
  EXPECT_EQ(q.from.language_code, "");
  EXPECT_EQ(q.data, "buy:1m");
  ASSERT_TRUE(q.message.has_value());
  EXPECT_EQ(q.message->message_id, 3);
  EXPECT_EQ(q.message->chat.id, 5);
  EXPECT_FALSE(q.message->from.has_value());
}

TEST(ParseUpdateTest, PhotoCaptionCountsAsText) {
  const auto u = ParseUpdate(json::parse(R"({"update_id": 3, "message": {"message_id": 1,
      "chat": {"id": 1, "type": "private"}, "photo": [], "caption": "receipt"}})"));
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->message.has_value());
  EXPECT_EQ(u->message->text, "receipt");
}

TEST(ParseUpdateTest, UnknownKindStillCarriesItsId) {
  const auto u =
      ParseUpdateText(R"({"update_id": 77, "pre_checkout_query": {"id": "q", "currency": "XTR"}})");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->update_id, 77);
  EXPECT_FALSE(u->message.has_value());
  EXPECT_FALSE(u->callback_query.has_value());
}

TEST(ParseUpdateTest, MalformedPartsAreDroppedNotFatal) {
  // A message without a chat and a callback whose user id is a string.
  const auto u = ParseUpdateText(R"({"update_id": 8, "message": {"message_id": 1, "text": "x"},
      "callback_query": {"id": "c", "from": {"id": "5"}, "data": "d"}})");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->update_id, 8);
  EXPECT_FALSE(u->message.has_value());
  EXPECT_FALSE(u->callback_query.has_value());
}

TEST(ParseUpdateTest, GarbageIsInvalidArgumentAndNeverThrows) {
  for (const char* text : {"", "not json", "{", "[1,2]", "null", "42", R"("update_id")",
                           R"({"update_id": "12"})", R"({"update_id": 1.5})", R"({"message": {}})",
                           "{\"update_id\": 1, \"message\": \"\xff\xfe\"}"}) {
    Result<Update> u = InvalidArgument("unset");
    EXPECT_NO_THROW(u = ParseUpdateText(text)) << text;
    EXPECT_FALSE(u.ok()) << text;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(ParseUpdateTest, WrongTypesInsideAreIgnored) {
  const auto u = ParseUpdateText(R"({"update_id": 9, "message": {"message_id": 1,
      "chat": {"id": 4, "type": 7}, "from": {"id": 4, "is_bot": "no", "username": 3},
      "text": {"a": 1}}})");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->message.has_value());
  EXPECT_EQ(u->message->chat.type, "");
  EXPECT_EQ(u->message->text, "");
  ASSERT_TRUE(u->message->from.has_value());
  EXPECT_FALSE(u->message->from->is_bot);
  EXPECT_EQ(u->message->from->username, "");
}

// As the Bot API documents the update (PreCheckoutQuery: id, from, currency, total_amount,
// invoice_payload, shipping_option_id?, order_info?).
TEST(ParseUpdateTest, PreCheckoutQueryForStars) {
  const auto u = ParseUpdateText(R"({
    "update_id": 900000010,
    "pre_checkout_query": {"id": "2147483648123456789",
                           "from": {"id": 5000000001, "is_bot": false, "first_name": "Ann",
                                    "language_code": "ru"},
                           "currency": "XTR", "total_amount": 150, "invoice_payload": "42"}})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->message.has_value());
  EXPECT_FALSE(u->callback_query.has_value());
  ASSERT_TRUE(u->pre_checkout_query.has_value());
  const PreCheckoutQuery& q = *u->pre_checkout_query;
  EXPECT_EQ(q.id, "2147483648123456789");
  EXPECT_EQ(q.from.id, 5000000001);
  EXPECT_EQ(q.from.language_code, "ru");
  EXPECT_EQ(q.currency, "XTR");
  EXPECT_EQ(q.total_amount, 150);
  EXPECT_EQ(q.invoice_payload, "42");
}

TEST(ParseUpdateTest, MalformedPreCheckoutQueryIsDroppedNotTheUpdate) {
  for (const char* query : {
           R"({"from": {"id": 5}, "currency": "XTR", "total_amount": 1, "invoice_payload": "1"})",
           R"({"id": "q", "currency": "XTR", "total_amount": 1, "invoice_payload": "1"})",
           R"({"id": "q", "from": {"id": 5}, "total_amount": 1, "invoice_payload": "1"})",
           R"({"id": "q", "from": {"id": 5}, "currency": "XTR", "total_amount": "1",
               "invoice_payload": "1"})",
           R"({"id": "q", "from": {"id": 5}, "currency": "XTR", "total_amount": 1})",
           R"({"id": "q", "from": {"is_bot": false}, "currency": "XTR", "total_amount": 1,
               "invoice_payload": "1"})",
       }) {
    const auto u =
        ParseUpdateText(std::string(R"({"update_id": 7, "pre_checkout_query": )") + query + "}");
    ASSERT_TRUE(u.ok()) << query;
    EXPECT_EQ(u->update_id, 7);
    EXPECT_FALSE(u->pre_checkout_query.has_value()) << query;
  }
}

// The service message Telegram sends after a Stars payment (SuccessfulPayment: currency,
// total_amount, invoice_payload, telegram_payment_charge_id, provider_payment_charge_id, ...).
TEST(ParseUpdateTest, SuccessfulPaymentMessage) {
  const auto u = ParseUpdateText(R"({
    "update_id": 900000011,
    "message": {"message_id": 88, "date": 1700000000,
                "from": {"id": 5000000001, "is_bot": false, "first_name": "Ann"},
                "chat": {"id": 5000000001, "type": "private", "first_name": "Ann"},
                "successful_payment": {
                  "currency": "XTR", "total_amount": 400, "invoice_payload": "17",
                  "telegram_payment_charge_id": "stxAbCdEf0123456789",
                  "provider_payment_charge_id": "", "is_recurring": false}}})");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_TRUE(u->message.has_value());
  EXPECT_EQ(u->message->text, "");
  ASSERT_TRUE(u->message->successful_payment.has_value());
  const SuccessfulPayment& p = *u->message->successful_payment;
  EXPECT_EQ(p.currency, "XTR");
  EXPECT_EQ(p.total_amount, 400);
  EXPECT_EQ(p.invoice_payload, "17");
  EXPECT_EQ(p.telegram_payment_charge_id, "stxAbCdEf0123456789");
  EXPECT_EQ(p.provider_payment_charge_id, "");
}

TEST(ParseUpdateTest, SuccessfulPaymentWithoutAChargeIdIsDropped) {
  const auto p = ParseSuccessfulPayment(
      json::parse(R"({"currency": "XTR", "total_amount": 400, "invoice_payload": "17"})"));
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSuccessfulPayment(json::parse(R"({"currency": "XTR", "total_amount": 400,
      "invoice_payload": "17", "telegram_payment_charge_id": ""})"))
                   .ok());
  EXPECT_FALSE(ParseSuccessfulPayment(json::parse(R"({"currency": "XTR", "total_amount": 4.5,
      "invoice_payload": "17", "telegram_payment_charge_id": "c"})"))
                   .ok());
  const auto u = ParseUpdateText(R"({"update_id": 8, "message": {"message_id": 1,
      "chat": {"id": 1, "type": "private"}, "successful_payment": {"currency": "XTR"}}})");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->message.has_value());  // the message stays; only the payment is dropped
  EXPECT_FALSE(u->message->successful_payment.has_value());
}

TEST(HandledUpdateKindsTest, IncludePreCheckoutQuery) {
  EXPECT_EQ(HandledUpdateKinds(),
            (std::vector<std::string>{"message", "callback_query", "pre_checkout_query"}));
}

TEST(ParseChatMemberTest, StatusesAndMembership) {
  const auto member = [](const char* j) { return ParseChatMember(json::parse(j)); };
  EXPECT_TRUE(member(R"({"status":"creator"})")->is_member);
  EXPECT_TRUE(member(R"({"status":"administrator"})")->is_member);
  EXPECT_TRUE(member(R"({"status":"member"})")->is_member);
  EXPECT_TRUE(member(R"({"status":"restricted","is_member":true})")->is_member);
  EXPECT_FALSE(member(R"({"status":"restricted","is_member":false})")->is_member);
  EXPECT_FALSE(member(R"({"status":"left"})")->is_member);
  EXPECT_FALSE(member(R"({"status":"kicked"})")->is_member);
  EXPECT_EQ(member(R"({"status":"kicked"})")->status, "kicked");
  EXPECT_FALSE(member(R"({"user":{"id":1}})").ok());
}

TEST(InlineKeyboardMarkupTest, SerialisesRowsOfButtons) {
  const auto markup =
      InlineKeyboardMarkup({{{"Buy 1 month", "buy:1m", ""}, {"Buy 3 months", "buy:3m", ""}},
                            {{"Site", "", "https://x"}}});
  ASSERT_TRUE(markup.ok());
  EXPECT_EQ(*markup, json::parse(R"({"inline_keyboard":[
      [{"text":"Buy 1 month","callback_data":"buy:1m"},
       {"text":"Buy 3 months","callback_data":"buy:3m"}],
      [{"text":"Site","url":"https://x"}]]})"));
}

TEST(InlineKeyboardMarkupTest, RejectsWhatTelegramWould) {
  EXPECT_FALSE(InlineKeyboardMarkup({{{"", "a", ""}}}).ok());
  EXPECT_FALSE(InlineKeyboardMarkup({{{"both", "a", "https://x"}}}).ok());
  EXPECT_FALSE(InlineKeyboardMarkup({{{"neither", "", ""}}}).ok());
  EXPECT_TRUE(InlineKeyboardMarkup({{{"max", std::string(64, 'd'), ""}}}).ok());
  const auto too_long = InlineKeyboardMarkup({{{"long", std::string(65, 'd'), ""}}});
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::telegram
