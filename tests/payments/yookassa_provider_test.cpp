// The YooKassa provider against an API stub: what it sends, how it reads a notice (the allowlist,
// the re-read that decides), the reconciliation, and a fuzz of the notice reader.
#include "payments/yookassa/yookassa_provider.hpp"

#include <gtest/gtest.h>

#include <random>

#include "payments/fuzz_bodies.hpp"
#include "payments/stub_api.hpp"

namespace vpnhub::payments::yookassa {
namespace {

using nlohmann::json;
using Kind = ports::NoticeVerdict::Kind;
using testing::StubAnswer;

constexpr char kId[] = "2f3b588d-000f-5000-8000-1d6e87c7fbde";
constexpr char kPath[] = "GET /v3/payments/2f3b588d-000f-5000-8000-1d6e87c7fbde";

std::string PaymentJson(const std::string& status, const std::string& value = "299.00",
                        const std::string& order = "42") {
  return json{{"id", kId},
              {"status", status},
              {"paid", status != "pending"},
              {"amount", {{"value", value}, {"currency", "RUB"}}},
              {"confirmation",
               {{"type", "redirect"}, {"confirmation_url", "https://yoomoney.ru/checkout/x"}}},
              {"metadata", {{"order_id", order}}},
              {"test", false}}
      .dump();
}

std::string NoticeBody(const std::string& event = "payment.succeeded",
                       const std::string& id = kId) {
  return json{
      {"type", "notification"}, {"event", event}, {"object", {{"id", id}, {"status", "succeeded"}}}}
      .dump();
}

class YooKassaProviderTest : public ::testing::Test {
 protected:
  std::unique_ptr<YooKassaProvider> Provider(const std::string& trusted = "") {
    Settings s;
    s.api_url = api_.url() + "/v3";
    s.shop_id = "123456";
    s.secret_key = "test_SecretKey";
    s.currency = "RUB";
    s.payment.return_url = "https://t.me/vpnhub_bot";
    s.trusted_ips = *TrustedIps::Parse(trusted);
    return std::make_unique<YooKassaProvider>(std::move(s), http_);
  }
  static Order RubOrder() {
    Order o;
    o.id = 42;
    o.amount = 299;
    o.currency = "RUB";
    o.provider = kName;
    o.invoice_ref = kId;
    return o;
  }
  static ports::PaymentNotice Notice(std::string body, std::string ip = "127.0.0.1") {
    ports::PaymentNotice n;
    n.body = std::move(body);
    n.content_type = "application/json";
    n.remote_ip = std::move(ip);
    return n;
  }

  testing::StubApi api_;
  HttpClient http_;
};

TEST_F(YooKassaProviderTest, TheInvoiceIsAPaymentWithOurCredentialsAndTheOrdersKey) {
  api_.Answer("POST /v3/payments", {200, PaymentJson("pending")});
  const auto invoice = Provider()->CreateInvoice(RubOrder(), {5, "VPN", "VPN 1 month", "1 month"});
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(invoice->via, ports::InvoiceRequest::Via::kPaymentLink);
  EXPECT_EQ(invoice->url, "https://yoomoney.ru/checkout/x");
  EXPECT_EQ(invoice->invoice_ref, kId);
  const auto sent = api_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].headers.at("authorization"), "Basic MTIzNDU2OnRlc3RfU2VjcmV0S2V5");
  EXPECT_EQ(sent[0].headers.at("idempotence-key"), "order-42");
  EXPECT_EQ(sent[0].headers.at("content-type"), "application/json");
  const json body = json::parse(sent[0].body);
  EXPECT_EQ(body["amount"]["value"], "299.00");
  EXPECT_EQ(body["metadata"]["order_id"], "42");
  EXPECT_EQ(body["description"], "VPN 1 month");
}

TEST_F(YooKassaProviderTest, ADescriptionThatIsNotUtf8IsSentReplaced) {
  api_.Answer("POST /v3/payments", {200, PaymentJson("pending")});
  const auto invoice = Provider()->CreateInvoice(RubOrder(), {5, "VPN", "VPN \xff\xfe", "x"});
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(json::parse(api_.requests().at(0).body)["description"], "VPN \uFFFD\uFFFD");
}

TEST_F(YooKassaProviderTest, AnAnswerToTryAgainIsUnavailable) {
  for (int status : {500, 502, 202, 429}) {
    api_.Answer("POST /v3/payments",
                {status, R"({"type":"error","code":"internal_server_error"})"});
    EXPECT_EQ(Provider()->CreateInvoice(RubOrder(), {}).status().code(), StatusCode::kUnavailable)
        << status;
  }
  api_.Answer("POST /v3/payments", {401, R"({"type":"error","code":"invalid_credentials"})"});
  const auto refused = Provider()->CreateInvoice(RubOrder(), {});
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message().find("test_SecretKey"), std::string::npos);
}

TEST_F(YooKassaProviderTest, ASucceededNoticeIsDecidedByTheReRead) {
  api_.Answer(kPath, {200, PaymentJson("succeeded")});
  const auto v = Provider()->ReadNotice(Notice(NoticeBody()));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->kind, Kind::kPaid) << v->detail;
  EXPECT_EQ(v->confirmation.provider_payment_id, kId);
  EXPECT_EQ(v->confirmation.order_id, 42);
  EXPECT_EQ(v->confirmation.amount, 299);
  const auto sent = api_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].headers.at("authorization"), "Basic MTIzNDU2OnRlc3RfU2VjcmV0S2V5");
}

TEST_F(YooKassaProviderTest, ANoticeBeforeThePaymentSucceededCreditsNothing) {
  api_.Answer(kPath, {200, PaymentJson("pending")});
  EXPECT_EQ(Provider()->ReadNotice(Notice(NoticeBody()))->kind, Kind::kIgnored);
  api_.Answer(kPath, {200, PaymentJson("waiting_for_capture")});
  EXPECT_EQ(Provider()->ReadNotice(Notice(NoticeBody()))->kind, Kind::kIgnored);
}

TEST_F(YooKassaProviderTest, TheAmountComesFromTheApiNotFromTheNotice) {
  api_.Answer(kPath, {200, PaymentJson("succeeded", "100.00")});
  json forged = json::parse(NoticeBody());
  forged["object"]["amount"] = {{"value", "299.00"}, {"currency", "RUB"}};
  const auto v = Provider()->ReadNotice(Notice(forged.dump()));
  ASSERT_EQ(v->kind, Kind::kPaid);
  EXPECT_EQ(v->confirmation.amount, 100);
}

TEST_F(YooKassaProviderTest, APaymentTheApiDoesNotKnowIsAForgery) {
  const auto v = Provider()->ReadNotice(Notice(NoticeBody("payment.succeeded", "forged-id")));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->kind, Kind::kBadSignature);
  const auto odd = Provider()->ReadNotice(Notice(NoticeBody("payment.succeeded", "../refunds")));
  EXPECT_EQ(odd->kind, Kind::kBadSignature);
  EXPECT_EQ(api_.requests().size(), 1u);  // the odd id never reached the API
}

TEST_F(YooKassaProviderTest, OtherEventsAreIgnoredWithoutAsking) {
  for (const char* event :
       {"payment.waiting_for_capture", "payment.canceled", "refund.succeeded"}) {
    EXPECT_EQ(Provider()->ReadNotice(Notice(NoticeBody(event)))->kind, Kind::kIgnored) << event;
  }
  EXPECT_TRUE(api_.requests().empty());
  EXPECT_EQ(Provider()->ReadNotice(Notice("{not json"))->kind, Kind::kMalformed);
}

TEST_F(YooKassaProviderTest, TheAllowlistTurnsAwayOtherSources) {
  api_.Answer(kPath, {200, PaymentJson("succeeded")});
  const auto provider = Provider("185.71.76.0/27,2a02:5180::/32");
  EXPECT_EQ(provider->ReadNotice(Notice(NoticeBody(), "127.0.0.1"))->kind, Kind::kBadSignature);
  EXPECT_EQ(provider->ReadNotice(Notice(NoticeBody(), ""))->kind, Kind::kBadSignature);
  EXPECT_TRUE(api_.requests().empty());
  EXPECT_EQ(provider->ReadNotice(Notice(NoticeBody(), "185.71.76.10"))->kind, Kind::kPaid);
}

TEST_F(YooKassaProviderTest, AnApiThatIsDownIsUnavailable) {
  api_.Answer(kPath, {503, "{}"});
  EXPECT_EQ(Provider()->ReadNotice(Notice(NoticeBody())).status().code(), StatusCode::kUnavailable);
  api_.Answer(kPath, {200, "<html>"});
  EXPECT_EQ(Provider()->ReadNotice(Notice(NoticeBody())).status().code(), StatusCode::kUnavailable);
  Settings s;
  s.api_url = "http://127.0.0.1:1/v3";
  s.currency = "RUB";
  YooKassaProvider nowhere(std::move(s), http_);
  EXPECT_EQ(nowhere.ReadNotice(Notice(NoticeBody())).status().code(), StatusCode::kUnavailable);
}

TEST_F(YooKassaProviderTest, TheReconciliationAsksAboutTheInvoice) {
  api_.Answer(kPath, {200, PaymentJson("succeeded")});
  const auto paid = Provider()->CheckOrder(RubOrder());
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->kind, ports::PaymentCheck::Kind::kPaid);
  EXPECT_EQ(paid->confirmation.provider_payment_id, kId);
  api_.Answer(kPath, {200, PaymentJson("canceled")});
  EXPECT_EQ(Provider()->CheckOrder(RubOrder())->kind, ports::PaymentCheck::Kind::kClosed);
  api_.Answer(kPath, {200, PaymentJson("pending")});
  EXPECT_EQ(Provider()->CheckOrder(RubOrder())->kind, ports::PaymentCheck::Kind::kPending);
  api_.Answer(kPath, {500, "{}"});
  EXPECT_EQ(Provider()->CheckOrder(RubOrder()).status().code(), StatusCode::kUnavailable);
}

TEST_F(YooKassaProviderTest, ARefundPostsTheWholePayment) {
  api_.Answer("POST /v3/refunds", {200, R"({"id":"r1","status":"succeeded"})"});
  Payment pay;
  pay.provider = kName;
  pay.provider_payment_id = kId;
  pay.amount = 299;
  pay.currency = "RUB";
  ASSERT_TRUE(Provider()->Refund(pay, 5).ok());
  const auto sent = api_.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].headers.at("idempotence-key"), std::string("refund-") + kId);
  EXPECT_EQ(json::parse(sent[0].body)["payment_id"], kId);
}

// Thousands of random and mutated notices: never a crash, and a credit only for a notice that
// still names the one succeeded payment as payment.succeeded (the API decides the rest).
TEST_F(YooKassaProviderTest, FuzzedNoticesNeverCreditAnythingElse) {
  api_.Answer(kPath, {200, PaymentJson("succeeded")});
  const auto provider = Provider();
  const std::string valid = NoticeBody();
  std::mt19937 rng(14);
  int paid = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string body = testing::FuzzedBody(valid, i, rng);
    const auto v = provider->ReadNotice(Notice(body));
    if (!v.ok() || v->kind != Kind::kPaid) continue;
    ++paid;
    const auto named = ParseNotification(body);
    ASSERT_TRUE(named.ok()) << body;
    EXPECT_EQ(named->event, "payment.succeeded") << body;
    EXPECT_EQ(named->object_id, kId) << body;
    EXPECT_EQ(v->confirmation.amount, 299);
  }
  EXPECT_EQ(provider->ReadNotice(Notice(valid))->kind, Kind::kPaid);
  EXPECT_LT(paid, 3000);
}

}  // namespace
}  // namespace vpnhub::payments::yookassa
