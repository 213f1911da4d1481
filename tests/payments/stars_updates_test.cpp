// What a Stars update proves: the pure readers of successful_payment and pre_checkout_query.
#include <gtest/gtest.h>

#include "payments/stars/stars_provider.hpp"

namespace vpnhub::payments::stars {
namespace {

telegram::SuccessfulPayment Paid(std::string currency = "XTR", std::string payload = "42") {
  telegram::SuccessfulPayment p;
  p.currency = std::move(currency);
  p.total_amount = 150;
  p.invoice_payload = std::move(payload);
  p.telegram_payment_charge_id = "stxCharge42";
  return p;
}

telegram::PreCheckoutQuery Query(std::string currency = "XTR", std::string payload = "42") {
  telegram::PreCheckoutQuery q;
  q.id = "4000000000001";
  q.from.id = 5;
  q.from.language_code = "ru";
  q.currency = std::move(currency);
  q.total_amount = 150;
  q.invoice_payload = std::move(payload);
  return q;
}

TEST(OrderIdFromPayloadTest, OnlyThePlainDigitsOfAPositiveId) {
  EXPECT_EQ(OrderIdFromPayload("42"), 42);
  EXPECT_EQ(OrderIdFromPayload("1"), 1);
  EXPECT_EQ(OrderIdFromPayload("999999999999999999"), 999999999999999999);
  for (const char* bad : {"", "0", "042", "-42", "+42", " 42", "42 ", "4 2", "42a", "0x2a", "1e3",
                          "9999999999999999999", "４２"}) {
    EXPECT_FALSE(OrderIdFromPayload(bad).has_value()) << bad;
  }
}

TEST(ConfirmationFromPaymentTest, AStarsPaymentConfirmsItsOrder) {
  telegram::SuccessfulPayment p = Paid();
  p.provider_payment_charge_id = "prov-1";
  const auto c = ConfirmationFromPayment(p, 5);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->provider, "stars");
  EXPECT_EQ(c->provider_payment_id, "stxCharge42");
  EXPECT_EQ(c->order_id, 42);
  EXPECT_EQ(c->payer_tg_id, 5);
  EXPECT_EQ(c->amount, 150);
  EXPECT_EQ(c->currency, "XTR");
  EXPECT_NE(c->raw_reference.find("stxCharge42"), std::string::npos);
  EXPECT_NE(c->raw_reference.find("prov-1"), std::string::npos);
}

// Security: a payment in another currency or for something that is no order of ours is never
// turned into a confirmation (each line fails if the check is replaced by `return true`).
TEST(ConfirmationFromPaymentTest, RejectsAnotherCurrencyOrAPayloadThatIsNoOrderId) {
  const auto rub = ConfirmationFromPayment(Paid("RUB"), 5);
  EXPECT_EQ(rub.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rub.status().message().find("RUB"), std::string::npos);
  EXPECT_EQ(ConfirmationFromPayment(Paid("xtr"), 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConfirmationFromPayment(Paid(""), 5).status().code(), StatusCode::kInvalidArgument);
  const auto text = ConfirmationFromPayment(Paid("XTR", "order-42"), 5);
  EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(text.status().message().find("order-42"), std::string::npos);
  EXPECT_FALSE(ConfirmationFromPayment(Paid("XTR", ""), 5).ok());
  EXPECT_FALSE(ConfirmationFromPayment(Paid("XTR", "-1"), 5).ok());
}

TEST(ConfirmationFromPaymentTest, RejectsNoAmountNoChargeOrNoPayer) {
  telegram::SuccessfulPayment p = Paid();
  p.total_amount = 0;
  EXPECT_FALSE(ConfirmationFromPayment(p, 5).ok());
  p = Paid();
  p.telegram_payment_charge_id.clear();
  EXPECT_FALSE(ConfirmationFromPayment(p, 5).ok());
  EXPECT_FALSE(ConfirmationFromPayment(Paid(), 0).ok());
}

TEST(ReadPreCheckoutTest, WhatTheCoreChecks) {
  const auto q = ReadPreCheckout(Query());
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->query_id, "4000000000001");
  EXPECT_EQ(q->payer, 5);
  EXPECT_EQ(q->language_code, "ru");
  EXPECT_EQ(q->order_id, 42);
  EXPECT_EQ(q->total_amount, 150);
  EXPECT_EQ(q->currency, "XTR");
}

TEST(ReadPreCheckoutTest, RejectsAnotherCurrencyOrAPayloadThatIsNoOrderId) {
  EXPECT_EQ(ReadPreCheckout(Query("USD")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPreCheckout(Query("XTR", "abc")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPreCheckout(Query("XTR", "")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::payments::stars
