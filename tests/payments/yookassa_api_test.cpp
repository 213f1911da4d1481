// YooKassa's requests and readings as free functions: the Basic header vector of payments.md
// §1.1, the payment body, notifications, and what a re-read payment proves.
#include "payments/yookassa/yookassa_api.hpp"

#include <gtest/gtest.h>

#include "payments/common/order_ref.hpp"

namespace vpnhub::payments::yookassa {
namespace {

using nlohmann::json;
using Kind = ports::NoticeVerdict::Kind;
using CheckKind = ports::PaymentCheck::Kind;

Order RubOrder() {
  Order o;
  o.id = 42;
  o.amount = 299;
  o.currency = "RUB";
  o.provider = kName;
  o.invoice_ref = "23d93cac-000f-5000-8000-126628f15141";
  return o;
}

PaymentObject Succeeded() {
  PaymentObject p;
  p.id = "23d93cac-000f-5000-8000-126628f15141";
  p.status = "succeeded";
  p.amount_value = "299.00";
  p.currency = "RUB";
  p.order_id = "42";
  return p;
}

TEST(YooKassaApi, BasicAuthMatchesTheReferenceVector) {
  EXPECT_EQ(BasicAuth("123456", "test_SecretKey"), "Basic MTIzNDU2OnRlc3RfU2VjcmV0S2V5");
}

TEST(YooKassaApi, ThePaymentBodyCapturesAndNamesTheOrder) {
  const json body = PaymentBody(RubOrder(), "VPN 1 month", {"https://t.me/vpnhub_bot", "", 1});
  EXPECT_EQ(body["amount"], json::parse(R"({"value":"299.00","currency":"RUB"})"));
  EXPECT_EQ(body["capture"], true);
  EXPECT_EQ(body["confirmation"],
            json::parse(R"({"type":"redirect","return_url":"https://t.me/vpnhub_bot"})"));
  EXPECT_EQ(body["description"], "VPN 1 month");
  EXPECT_EQ(body["metadata"], json::parse(R"({"order_id":"42"})"));
  EXPECT_FALSE(body.contains("receipt"));
  EXPECT_EQ(PaymentIdempotenceKey(42), "order-42");
}

TEST(YooKassaApi, AReceiptEmailAddsOneServiceItem) {
  const json body = PaymentBody(RubOrder(), "VPN 1 month", {"https://t.me/b", "a@example.com", 4});
  const json expected = json::parse(R"({"customer":{"email":"a@example.com"},
      "items":[{"description":"VPN 1 month","quantity":"1.00",
                "amount":{"value":"299.00","currency":"RUB"},"vat_code":4,
                "payment_subject":"service","payment_mode":"full_payment"}]})");
  EXPECT_EQ(body["receipt"], expected);
}

TEST(YooKassaApi, TheDescriptionIsCutAt128CharactersNotBytes) {
  std::string cyrillic;
  for (int i = 0; i < 200; ++i) cyrillic += "Ж";  // two bytes each
  const json body = PaymentBody(RubOrder(), cyrillic, {});
  const std::string d = body["description"];
  EXPECT_EQ(d.size(), 256u);
  EXPECT_EQ(Utf8Prefix("abc", 128), "abc");
  EXPECT_EQ(Utf8Prefix("aЖb", 2), "aЖ");
}

TEST(YooKassaApi, ReadsThePaymentObjectOfTheDocs) {
  const auto p = ParsePayment(R"({"id":"23d93cac-000f-5000-8000-126628f15141","status":"pending",
      "paid":false,"amount":{"value":"100.00","currency":"RUB"},
      "confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId=23d93cac"},
      "created_at":"2019-01-22T14:30:45.129Z","description":"x","metadata":{"order_id":"7"},
      "recipient":{"account_id":"100500","gateway_id":"100700"},"refundable":false,"test":true})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->id, "23d93cac-000f-5000-8000-126628f15141");
  EXPECT_EQ(p->status, "pending");
  EXPECT_EQ(p->amount_value, "100.00");
  EXPECT_EQ(p->currency, "RUB");
  EXPECT_EQ(p->order_id, "7");
  EXPECT_EQ(p->confirmation_url,
            "https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId=23d93cac");
  EXPECT_TRUE(p->test);
}

TEST(YooKassaApi, APaymentWithoutItsFieldsIsNotRead) {
  for (const char* body :
       {"", "[]", "{}", R"({"id":"x","status":"succeeded"})",
        R"({"id":"x","status":"succeeded","amount":{"value":299,"currency":"RUB"}})",
        R"({"id":7,"status":"succeeded","amount":{"value":"1.00","currency":"RUB"}})"}) {
    EXPECT_FALSE(ParsePayment(body).ok()) << body;
  }
}

TEST(YooKassaApi, ANotificationNamesItsEventAndObject) {
  const auto n = ParseNotification(
      R"({"type":"notification","event":"payment.succeeded","object":{"id":"abc-1","status":"succeeded"}})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->event, "payment.succeeded");
  EXPECT_EQ(n->object_id, "abc-1");
  for (const char* bad :
       {"", "null", R"({"event":"payment.succeeded","object":{"id":"a"}})",
        R"({"type":"webhook","event":"payment.succeeded","object":{"id":"a"}})",
        R"({"type":"notification","object":{"id":"a"}})",
        R"({"type":"notification","event":"payment.succeeded"})",
        R"({"type":"notification","event":"payment.succeeded","object":{"id":5}})",
        R"({"type":"notification","event":"payment.succeeded","object":{"id":""}})"}) {
    EXPECT_FALSE(ParseNotification(bad).ok()) << bad;
  }
}

TEST(YooKassaApi, OnlyASucceededPaymentOfOurOrderIsPaid) {
  const auto v = VerdictFromPayment(Succeeded(), Succeeded().id);
  ASSERT_EQ(v.kind, Kind::kPaid) << v.detail;
  EXPECT_EQ(v.confirmation.provider, "yookassa");
  EXPECT_EQ(v.confirmation.provider_payment_id, Succeeded().id);
  EXPECT_EQ(v.confirmation.order_id, 42);
  EXPECT_EQ(v.confirmation.amount, 299);
  EXPECT_EQ(v.confirmation.currency, "RUB");
  EXPECT_EQ(v.confirmation.payer_tg_id, 0);
}

TEST(YooKassaApi, TheStatusDecidesNotThePaidFlag) {
  for (const char* status : {"pending", "waiting_for_capture", "canceled", "SUCCEEDED", ""}) {
    PaymentObject p = Succeeded();
    p.status = status;
    EXPECT_EQ(VerdictFromPayment(p, p.id).kind, Kind::kIgnored) << status;
  }
}

TEST(YooKassaApi, AnAnswerForAnotherPaymentIsNotBelieved) {
  EXPECT_EQ(VerdictFromPayment(Succeeded(), "another-id").kind, Kind::kBadSignature);
}

TEST(YooKassaApi, AMetadataOrderIdIsReadStrictly) {
  for (const char* id : {"", "0", "042", "42a", "-42", " 42", "4.2", "1234567890123456789"}) {
    PaymentObject p = Succeeded();
    p.order_id = id;
    EXPECT_EQ(VerdictFromPayment(p, p.id).kind, Kind::kIgnored) << id;
  }
  EXPECT_EQ(OrderIdFromText("123456789012345678"), 123456789012345678);
}

TEST(YooKassaApi, AnUnderpaymentIsNeverRoundedUp) {
  PaymentObject p = Succeeded();
  p.amount_value = "298.99";
  EXPECT_EQ(VerdictFromPayment(p, p.id).confirmation.amount, 298);
  p.amount_value = "2.99e2";
  EXPECT_EQ(VerdictFromPayment(p, p.id).kind, Kind::kIgnored);
}

TEST(YooKassaApi, TheReconciliationReadsTheSameFacts) {
  const auto paid = CheckFromPayment(Succeeded(), RubOrder());
  ASSERT_EQ(paid.kind, CheckKind::kPaid);
  EXPECT_EQ(paid.confirmation.provider_payment_id,
            VerdictFromPayment(Succeeded(), Succeeded().id).confirmation.provider_payment_id);
  EXPECT_EQ(paid.confirmation.amount, 299);
  PaymentObject p = Succeeded();
  p.status = "canceled";
  EXPECT_EQ(CheckFromPayment(p, RubOrder()).kind, CheckKind::kClosed);
  p.status = "pending";
  EXPECT_EQ(CheckFromPayment(p, RubOrder()).kind, CheckKind::kPending);
  p.status = "waiting_for_capture";
  EXPECT_EQ(CheckFromPayment(p, RubOrder()).kind, CheckKind::kPending);
  p = Succeeded();
  p.order_id = "43";
  EXPECT_EQ(CheckFromPayment(p, RubOrder()).kind, CheckKind::kClosed);
}

TEST(YooKassaApi, ARefundGivesTheWholePaymentBackOnce) {
  Payment pay;
  pay.provider = kName;
  pay.provider_payment_id = "23d93cac-000f-5000-8000-126628f15141";
  pay.amount = 299;
  pay.currency = "RUB";
  EXPECT_EQ(RefundBody(pay), json::parse(R"({"payment_id":"23d93cac-000f-5000-8000-126628f15141",
      "amount":{"value":"299.00","currency":"RUB"}})"));
  EXPECT_EQ(RefundIdempotenceKey(pay), "refund-23d93cac-000f-5000-8000-126628f15141");
}

}  // namespace
}  // namespace vpnhub::payments::yookassa
