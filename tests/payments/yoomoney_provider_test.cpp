// YooMoney: the sha1_hash vector of backends.md §10, the notification's checks, the quickpay
// link, the operation-history reconciliation against an API stub, and a fuzz of the notice reader.
#include "payments/yoomoney/yoomoney_provider.hpp"

#include <gtest/gtest.h>

#include <random>

#include "payments/common/crypto.hpp"
#include "payments/fuzz_bodies.hpp"
#include "payments/stub_api.hpp"

namespace vpnhub::payments::yoomoney {
namespace {

using Kind = ports::NoticeVerdict::Kind;
using CheckKind = ports::PaymentCheck::Kind;

constexpr char kSecret[] = "01234567890ABCDEF01234567890";

// The documented example, with our label and the amounts of a 300-rouble card payment.
FormFields Fields(const std::string& label = "42") {
  return {{"notification_type", "p2p-incoming"},
          {"operation_id", "1234567"},
          {"amount", "291.00"},
          {"withdraw_amount", "300.00"},
          {"currency", "643"},
          {"datetime", "2011-07-01T09:00:00.000+04:00"},
          {"sender", "41001XXXXXXXX"},
          {"codepro", "false"},
          {"label", label},
          {"unaccepted", "false"}};
}

std::string Signed(FormFields fields, const std::string& secret = kSecret) {
  fields.emplace_back("sha1_hash", Sha1Hex(*CheckString(fields, secret)));
  return EncodeForm(fields);
}

void Set(FormFields& fields, const std::string& name, const std::string& value) {
  for (auto& [k, v] : fields) {
    if (k == name) v = value;
  }
}

Order RubOrder() {
  Order o;
  o.id = 42;
  o.amount = 300;
  o.currency = "RUB";
  o.provider = kName;
  return o;
}

TEST(YooMoneyNotice, Sha1MatchesTheReferenceVector) {
  FormFields f = {{"notification_type", "p2p-incoming"},
                  {"operation_id", "1234567"},
                  {"amount", "300.00"},
                  {"currency", "643"},
                  {"datetime", "2011-07-01T09:00:00.000+04:00"},
                  {"sender", "41001XXXXXXXX"},
                  {"codepro", "false"},
                  {"label", "YM.label.12345"}};
  EXPECT_EQ(*CheckString(f, kSecret),
            "p2p-incoming&1234567&300.00&643&2011-07-01T09:00:00.000+04:00&41001XXXXXXXX&false&"
            "01234567890ABCDEF01234567890&YM.label.12345");
  EXPECT_EQ(Sha1Hex(*CheckString(f, kSecret)), "a2ee4a9195f4a90e893cff4f62eeba0b662321f9");
}

TEST(YooMoneyNotice, ASignedPaymentCreditsWhatThePersonPaid) {
  const auto v = ReadNotification(Signed(Fields()), kSecret);
  ASSERT_EQ(v.kind, Kind::kPaid) << v.detail;
  EXPECT_EQ(v.confirmation.provider, "yoomoney");
  EXPECT_EQ(v.confirmation.provider_payment_id, "1234567");
  EXPECT_EQ(v.confirmation.order_id, 42);
  EXPECT_EQ(v.confirmation.amount, 300);
  EXPECT_EQ(v.confirmation.currency, "RUB");
  EXPECT_EQ(v.confirmation.raw_reference.find(kSecret), std::string::npos);
}

TEST(YooMoneyNotice, AWrongHashOrSecretIsABadSignature) {
  EXPECT_EQ(ReadNotification(Signed(Fields(), "another secret"), kSecret).kind,
            Kind::kBadSignature);
  FormFields f = Fields();
  const std::string body = Signed(f);
  // Each signed field changed after signing.
  for (const char* name : {"notification_type", "operation_id", "amount", "currency", "datetime",
                           "sender", "codepro", "label"}) {
    FormFields changed = DecodeForm(body).value();
    Set(changed, name, "1");
    EXPECT_EQ(ReadNotification(EncodeForm(changed), kSecret).kind, Kind::kBadSignature) << name;
  }
  EXPECT_EQ(ReadNotification(Signed(Fields()), "").kind, Kind::kBadSignature);
}

// An empty, cut or padded sha1_hash proves nothing, whatever prefix of the right hash it is.
TEST(YooMoneyNotice, AnEmptyOrShortHashIsABadSignature) {
  FormFields f = Fields();
  f.emplace_back("sha1_hash", "");
  const std::string right = Sha1Hex(*CheckString(f, kSecret));
  for (const std::string& hash : {std::string(), right.substr(0, 1), right.substr(0, 20),
                                  right.substr(0, 39), right + "0", std::string(40, ' ')}) {
    Set(f, "sha1_hash", hash);
    const auto v = ReadNotification(EncodeForm(f), kSecret);
    EXPECT_EQ(v.kind, Kind::kBadSignature) << "sha1_hash \"" << hash << "\": " << v.detail;
  }
  Set(f, "sha1_hash", right);
  EXPECT_EQ(ReadNotification(EncodeForm(f), kSecret).kind, Kind::kPaid);
}

TEST(YooMoneyNotice, AnUpperCaseHashIsTheSameHash) {
  FormFields f = Fields();
  f.emplace_back("sha1_hash", "");
  std::string hash = Sha1Hex(*CheckString(f, kSecret));
  for (char& c : hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Set(f, "sha1_hash", hash);
  EXPECT_EQ(ReadNotification(EncodeForm(f), kSecret).kind, Kind::kPaid);
}

TEST(YooMoneyNotice, UnacceptedOrProtectedTransfersAreIgnored) {
  FormFields f = Fields();
  Set(f, "unaccepted", "true");
  EXPECT_EQ(ReadNotification(Signed(f), kSecret).kind, Kind::kIgnored);
  f = Fields();
  Set(f, "codepro", "true");
  EXPECT_EQ(ReadNotification(Signed(f), kSecret).kind, Kind::kIgnored);
}

TEST(YooMoneyNotice, ALabelThatIsNoOrderIsIgnored) {
  for (const char* label : {"", "YM.label.12345", "042", "42 ", "-1", "1234567890123456789"}) {
    EXPECT_EQ(ReadNotification(Signed(Fields(label)), kSecret).kind, Kind::kIgnored) << label;
  }
}

TEST(YooMoneyNotice, AnUnsignedWithdrawAmountIsBelievedOnlyNearTheSignedAmount) {
  FormFields f = Fields();
  Set(f, "withdraw_amount", "3000.00");  // raised by someone on the way: the signed 291 stands
  auto v = ReadNotification(Signed(f), kSecret);
  ASSERT_EQ(v.kind, Kind::kPaid);
  EXPECT_EQ(v.confirmation.amount, 291);
  Set(f, "withdraw_amount", "290.00");  // less than what the wallet got
  EXPECT_EQ(ReadNotification(Signed(f), kSecret).confirmation.amount, 291);
  Set(f, "withdraw_amount", "299.99");
  EXPECT_EQ(ReadNotification(Signed(f), kSecret).confirmation.amount, 299);
  f.erase(f.begin() + 3);  // no withdraw_amount
  EXPECT_EQ(ReadNotification(Signed(f), kSecret).confirmation.amount, 291);
}

TEST(YooMoneyNotice, WhatIsNotASignedFormIsMalformed) {
  for (const char* body : {"", "notification_type", "a=%zz", "a=1&a=2", "{\"json\":true}"}) {
    EXPECT_EQ(ReadNotification(body, kSecret).kind, Kind::kMalformed) << body;
  }
  FormFields f = Fields();
  f.erase(f.begin() + 5);  // no datetime
  f.emplace_back("sha1_hash", "00");
  EXPECT_EQ(ReadNotification(EncodeForm(f), kSecret).kind, Kind::kMalformed);
  EXPECT_EQ(ReadNotification(EncodeForm(Fields()), kSecret).kind, Kind::kMalformed);
}

TEST(YooMoneyForm, EncodesAndDecodes) {
  EXPECT_EQ(UrlEncode("a b&c=д/"), "a%20b%26c%3D%D0%B4%2F");
  const auto f = DecodeForm("a=1+2&b=%D0%B4%2f&c=");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(FieldOf(*f, "a"), "1 2");
  EXPECT_EQ(FieldOf(*f, "b"), "д/");
  EXPECT_EQ(FieldOf(*f, "c"), "");
  EXPECT_FALSE(FieldOf(*f, "d").has_value());
  EXPECT_FALSE(DecodeForm("a=%4").has_value());
  EXPECT_EQ(Cents("300"), 30000);
  EXPECT_EQ(Cents("300.5"), 30050);
  EXPECT_EQ(Cents("0.07"), 7);
  EXPECT_FALSE(Cents("1.005").has_value());
  EXPECT_FALSE(Cents("-1").has_value());
  EXPECT_EQ(ParseJsonKeepingDecimals(R"({"a":300.00,"b":7})")["a"], "300.00");
  EXPECT_EQ(ParseJsonKeepingDecimals(R"({"a":300.00,"b":7})")["b"], 7);
  EXPECT_TRUE(ParseJsonKeepingDecimals("{").is_discarded());
}

TEST(YooMoneyProvider, TheInvoiceIsAQuickpayLinkLabelledWithTheOrder) {
  HttpClient http;
  YooMoneyProvider p(
      {"https://yoomoney.ru", "4100111", kSecret, "", "RUB", "https://t.me/b?start=1"}, http);
  const auto invoice = p.CreateInvoice(RubOrder(), {});
  ASSERT_TRUE(invoice.ok());
  EXPECT_EQ(invoice->via, ports::InvoiceRequest::Via::kPaymentLink);
  EXPECT_EQ(invoice->invoice_ref, "");
  EXPECT_EQ(invoice->url,
            "https://yoomoney.ru/quickpay/confirm?receiver=4100111&quickpay-form=button&"
            "paymentType=AC&sum=300.00&label=42&successURL=https%3A%2F%2Ft.me%2Fb%3Fstart%3D1");
  Order usd = RubOrder();
  usd.currency = "USD";
  EXPECT_EQ(p.CreateInvoice(usd, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.Refund(Payment{}, 5).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(p.CheckOrder(RubOrder()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(p.TakesNotices());
}

TEST(YooMoneyProvider, TheHistoryFindsAPaymentWhoseNoticeWasLost) {
  testing::StubApi api;
  HttpClient http;
  YooMoneyProvider p({api.url(), "4100111", kSecret, "410011.TOKEN", "RUB", ""}, http);
  api.Answer("POST /api/operation-history", {200, R"({"next_record":"1","operations":[
      {"operation_id":"999","status":"refused","direction":"in","amount":300.00,"label":"42"},
      {"operation_id":"1000","status":"success","direction":"out","amount":300.00,"label":"42"},
      {"operation_id":"1001","status":"success","direction":"in","amount":300.00,"label":"42",
       "type":"deposition","datetime":"2026-01-01T00:00:00Z","title":"x"}]})"});
  const auto check = p.CheckOrder(RubOrder());
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  ASSERT_EQ(check->kind, CheckKind::kPaid);
  EXPECT_EQ(check->confirmation.provider_payment_id, "1001");
  EXPECT_EQ(check->confirmation.order_id, 42);
  EXPECT_EQ(check->confirmation.amount, 300);
  EXPECT_EQ(check->confirmation.currency, "RUB");
  const auto sent = api.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].headers.at("authorization"), "Bearer 410011.TOKEN");
  EXPECT_EQ(sent[0].body, "type=deposition&label=42&records=10");

  api.Answer("POST /api/operation-history", {200, R"({"operations":[]})"});
  EXPECT_EQ(p.CheckOrder(RubOrder())->kind, CheckKind::kPending);
  api.Answer("POST /api/operation-history", {200, R"({"error":"illegal_param_label"})"});
  EXPECT_EQ(p.CheckOrder(RubOrder()).status().code(), StatusCode::kPermissionDenied);
  api.Answer("POST /api/operation-history", {500, "oops"});
  EXPECT_EQ(p.CheckOrder(RubOrder()).status().code(), StatusCode::kUnavailable);
  api.Answer("POST /api/operation-history", {401, ""});
  EXPECT_EQ(p.CheckOrder(RubOrder()).status().code(), StatusCode::kPermissionDenied);
}

// The history request filters by label, yet the answer is read as it is: an operation labelled
// for another order (a filter ignored, a shared wallet) is never this order's payment.
TEST(YooMoneyProvider, TheHistoryCreditsOnlyAnOperationLabelledWithTheAskedOrder) {
  testing::StubApi api;
  HttpClient http;
  YooMoneyProvider p({api.url(), "4100111", kSecret, "410011.TOKEN", "RUB", ""}, http);
  api.Answer("POST /api/operation-history", {200, R"({"operations":[
      {"operation_id":"2001","status":"success","direction":"in","amount":300.00,"label":"43"},
      {"operation_id":"2002","status":"success","direction":"in","amount":300.00,"label":"420"},
      {"operation_id":"2003","status":"success","direction":"in","amount":300.00},
      {"operation_id":"2004","status":"success","direction":"in","amount":300.00,"label":""}]})"});
  auto check = p.CheckOrder(RubOrder());
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->kind, CheckKind::kPending) << check->detail;
  EXPECT_NE(check->confirmation.provider_payment_id.rfind("200", 0), 0u)
      << "credited " << check->confirmation.provider_payment_id;
}

// Thousands of random and mutated bodies: never a crash, and a credit only for operation 1234567
// of order 42, for an amount the signed one vouches for.
TEST(YooMoneyNotice, FuzzedNoticesNeverCreditAnythingElse) {
  const std::string valid = Signed(Fields());
  std::mt19937 rng(14);
  for (int i = 0; i < 5000; ++i) {
    const std::string body = testing::FuzzedBody(valid, i, rng, "0123456789&=%.+a");
    const auto v = ReadNotification(body, kSecret);
    if (v.kind != Kind::kPaid) continue;
    EXPECT_EQ(v.confirmation.provider_payment_id, "1234567") << body;
    EXPECT_EQ(v.confirmation.order_id, 42) << body;
    EXPECT_GE(v.confirmation.amount, 291) << body;
    EXPECT_LE(v.confirmation.amount, 305) << body;
  }
  EXPECT_EQ(ReadNotification(valid, kSecret).kind, Kind::kPaid);
}

}  // namespace
}  // namespace vpnhub::payments::yoomoney
