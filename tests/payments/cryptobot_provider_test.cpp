// CryptoBot: the signature of Crypto Pay's updates (backends.md §10 vector), what an update
// proves, the invoice request, reconciliation through getInvoices, and a fuzzed webhook parser.
#include "payments/cryptobot/cryptobot_provider.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "payments/common/crypto.hpp"
#include "payments/common/iso_time.hpp"
#include "scripted_http.hpp"

namespace vpnhub::payments::cryptobot {
namespace {

using nlohmann::json;
using ports::NoticeVerdict;
using ports::PaymentCheck;
using testing::HeaderOf;
using testing::ScriptedHttp;

constexpr char kVectorToken[] = "1234:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kVectorBody[] =
    R"({"update_id":1,"update_type":"invoice_paid","request_date":"2026-01-01T00:00:00.000Z",)"
    R"("payload":{"invoice_id":42,"status":"paid","payload":"order-1"}})";
constexpr char kVectorSignature[] =
    "fd3579b6d5aaf69589d210751886352d76b19a2aa593e652360bf02fa8af67d6";

json PaidInvoice(int id = 77, const std::string& order = "15",
                 const std::string& amount = "299.00") {
  return {{"invoice_id", id},        {"hash", "IVabc"},
          {"currency_type", "fiat"}, {"fiat", "RUB"},
          {"amount", amount},        {"paid_asset", "USDT"},
          {"paid_amount", "3.10"},   {"status", "paid"},
          {"payload", order},        {"bot_invoice_url", "https://t.me/CryptoBot?start=IVabc"}};
}

std::string Update(const json& invoice, const std::string& date = "2026-01-01T00:00:00.000Z",
                   const std::string& type = "invoice_paid") {
  return json{{"update_id", 9}, {"update_type", type}, {"request_date", date}, {"payload", invoice}}
      .dump();
}

ports::PaymentNotice Signed(const std::string& body, const std::string& token = kVectorToken) {
  ports::PaymentNotice n;
  n.body = body;
  n.headers = {{"Crypto-Pay-Api-Signature", ToHex(HmacSha256(Sha256(token), body))}};
  return n;
}

class CryptoBotTest : public ::testing::Test {
 protected:
  CryptoBotTest() {
    Options o;
    o.api_url = "https://pay.example/api";
    o.token = kVectorToken;
    o.currency = "RUB";
    o.send = http_.Send();
    o.now = [this] { return FromUnixMs(now_ms_.load()); };
    provider_ = std::make_unique<CryptoBotProvider>(std::move(o));
  }

  Order MakeOrder() const { return testing::MakeOrder(kName, FromUnixMs(now_ms_.load())); }

  NoticeVerdict Read(const ports::PaymentNotice& n) {
    auto v = provider_->ReadNotice(n);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : NoticeVerdict{};
  }

  ScriptedHttp http_;
  std::atomic<std::int64_t> now_ms_{ToUnixMs(*ParseIsoUtc("2026-01-01T00:05:00Z"))};
  std::unique_ptr<CryptoBotProvider> provider_;
};

TEST(CryptoBotSignature, MatchesTheComputedVector) {
  EXPECT_TRUE(SignatureMatches(kVectorToken, kVectorBody, kVectorSignature));
  std::string upper = kVectorSignature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(SignatureMatches(kVectorToken, kVectorBody, upper));
  EXPECT_FALSE(SignatureMatches(kVectorToken, std::string(kVectorBody) + " ", kVectorSignature));
  EXPECT_FALSE(SignatureMatches("1234:B", kVectorBody, kVectorSignature));
  EXPECT_FALSE(SignatureMatches(kVectorToken, kVectorBody, ""));
  // The key is SHA-256 of the token, not the token itself.
  EXPECT_NE(ToHex(HmacSha256(kVectorToken, kVectorBody)), kVectorSignature);
}

TEST_F(CryptoBotTest, TheVectorIsAuthenticButItsPayloadIsNoOrderOfOurs) {
  ports::PaymentNotice n;
  n.body = kVectorBody;
  n.headers = {{"crypto-pay-api-signature", kVectorSignature}};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kIgnored);
  n.headers = {{"crypto-pay-api-signature", std::string(64, '0')}};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
  n.headers = {};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
}

TEST_F(CryptoBotTest, APaidFiatInvoiceProvesTheOrderAmountAndCurrency) {
  const NoticeVerdict v = Read(Signed(Update(PaidInvoice(77, "15", "299.99"))));
  ASSERT_EQ(v.kind, NoticeVerdict::Kind::kPaid) << v.detail;
  EXPECT_EQ(v.confirmation.provider, "cryptobot");
  EXPECT_EQ(v.confirmation.provider_payment_id, "77");
  EXPECT_EQ(v.confirmation.order_id, 15);
  EXPECT_EQ(v.confirmation.amount, 299);  // the fraction cut off, never rounded up
  EXPECT_EQ(v.confirmation.currency, "RUB");
  EXPECT_EQ(v.confirmation.payer_tg_id, 0);
  EXPECT_EQ(v.confirmation.raw_reference, "cryptobot invoice 77 paid in USDT");
}

TEST_F(CryptoBotTest, AForgedUpdateIsABadSignatureWhateverItSays) {
  ports::PaymentNotice n = Signed(Update(PaidInvoice()), "1234:another-apps-token");
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
  // Signed, then changed: the amount raised after signing.
  n = Signed(Update(PaidInvoice(77, "15", "1.00")));
  n.body.replace(n.body.find("1.00"), 4, "9.00");
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
}

TEST_F(CryptoBotTest, AStaleUpdateIsIgnored) {
  now_ms_ = ToUnixMs(*ParseIsoUtc("2026-01-02T00:00:01Z"));
  EXPECT_EQ(Read(Signed(Update(PaidInvoice()))).kind, NoticeVerdict::Kind::kIgnored);
  now_ms_ = ToUnixMs(*ParseIsoUtc("2026-01-01T23:59:00Z"));
  EXPECT_EQ(Read(Signed(Update(PaidInvoice()))).kind, NoticeVerdict::Kind::kPaid);
}

TEST_F(CryptoBotTest, WhatProvesNoPaymentIsIgnoredOrMalformed) {
  using Kind = NoticeVerdict::Kind;
  json active = PaidInvoice();
  active["status"] = "active";
  EXPECT_EQ(Read(Signed(Update(active))).kind, Kind::kIgnored);
  json crypto = PaidInvoice();
  crypto["currency_type"] = "crypto";
  EXPECT_EQ(Read(Signed(Update(crypto))).kind, Kind::kIgnored);
  EXPECT_EQ(Read(Signed(Update(PaidInvoice(), "2026-01-01T00:00:00Z", "other"))).kind,
            Kind::kIgnored);
  for (const char* order : {"015", "-15", "15 ", "", "1e3", "99999999999999999999"}) {
    EXPECT_EQ(Read(Signed(Update(PaidInvoice(77, order)))).kind, Kind::kIgnored) << order;
  }
  json no_amount = PaidInvoice();
  no_amount["amount"] = 299;  // a number, not Crypto Pay's string
  EXPECT_EQ(Read(Signed(Update(no_amount))).kind, Kind::kMalformed);
  json bad_id = PaidInvoice();
  bad_id["invoice_id"] = "77";
  EXPECT_EQ(Read(Signed(Update(bad_id))).kind, Kind::kMalformed);
  EXPECT_EQ(Read(Signed("not json")).kind, Kind::kMalformed);
  EXPECT_EQ(Read(Signed(Update(PaidInvoice(), "yesterday"))).kind, Kind::kMalformed);
  EXPECT_EQ(
      Read(Signed(json{{"update_type", "invoice_paid"}, {"request_date", "2026-01-01T00:00:00Z"}}
                      .dump()))
          .kind,
      Kind::kMalformed);
}

TEST_F(CryptoBotTest, FuzzedBodiesNeverCrashAndNeverCredit) {
  const std::string valid = Update(PaidInvoice());
  const auto valid_headers = Signed(valid).headers;
  std::mt19937 rng(14);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 4000; ++i) {
    std::string body = valid;
    if (i % 3 == 0) {  // truncated
      body.resize(rng() % body.size());
    } else if (i % 3 == 1) {  // a few bytes changed
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        body[rng() % body.size()] = static_cast<char>(byte(rng));
      }
    } else {  // random bytes
      body.assign(rng() % 300, '\0');
      for (char& c : body) c = static_cast<char>(byte(rng));
    }
    // Half carry the valid body's signature (or another app's): never authentic. The other half
    // are re-signed, so the parser behind the signature is fuzzed too: what it credits must
    // still say paid and fiat in the body itself.
    const bool resigned = (i / 3) % 2 == 0;
    ports::PaymentNotice n = Signed(body, i % 5 == 0 ? "x:forged" : kVectorToken);
    if (!resigned) n.headers = i % 5 == 0 ? n.headers : valid_headers;
    const NoticeVerdict v = Read(n);
    if (!resigned && body != valid) {
      EXPECT_EQ(v.kind, NoticeVerdict::Kind::kBadSignature) << body;
    }
    if (v.kind == NoticeVerdict::Kind::kPaid) {
      EXPECT_NE(body.find(R"("status":"paid")"), std::string::npos) << body;
      EXPECT_NE(body.find(R"("currency_type":"fiat")"), std::string::npos) << body;
    }
  }
  EXPECT_EQ(Read(Signed(valid)).kind, NoticeVerdict::Kind::kPaid);
}

TEST_F(CryptoBotTest, CreateInvoiceAsksForTheOrderInFiatWithTheOrderIdAsPayload) {
  http_.Answer([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, json{{"ok", true}, {"result", PaidInvoice(501)}}.dump(), {}};
  });
  ports::InvoiceTexts texts;
  texts.description = "VPN, 1 month";
  const auto invoice = provider_->CreateInvoice(MakeOrder(), texts);
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(invoice->via, ports::InvoiceRequest::Via::kPaymentLink);
  EXPECT_EQ(invoice->url, "https://t.me/CryptoBot?start=IVabc");
  EXPECT_EQ(invoice->invoice_ref, "501");
  ASSERT_EQ(http_.requests().size(), 1u);
  const HttpRequest r = http_.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://pay.example/api/createInvoice");
  EXPECT_EQ(HeaderOf(r, "Crypto-Pay-API-Token"), kVectorToken);
  const json body = json::parse(r.body);
  EXPECT_EQ(body["currency_type"], "fiat");
  EXPECT_EQ(body["fiat"], "RUB");
  EXPECT_EQ(body["amount"], "299.00");
  EXPECT_EQ(body["payload"], "15");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["description"], "VPN, 1 month");
}

TEST_F(CryptoBotTest, AnInvoiceLivesAtLeastAMinute) {
  http_.Answer([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, json{{"ok", true}, {"result", PaidInvoice(501)}}.dump(), {}};
  });
  Order order = MakeOrder();
  order.expires_at = FromUnixMs(now_ms_.load()) + std::chrono::seconds(5);
  ASSERT_TRUE(provider_->CreateInvoice(order, {}).ok());
  EXPECT_EQ(json::parse(http_.requests()[0].body)["expires_in"], 60);
}

TEST_F(CryptoBotTest, CreateInvoiceFailuresAreClassifiedWithoutTheToken) {
  const auto fail = [&](int status, const std::string& body) {
    http_.Answer([=](const HttpRequest&) -> Result<HttpResponse> {
      return HttpResponse{status, body, {}};
    });
    const auto r = provider_->CreateInvoice(MakeOrder(), {});
    EXPECT_EQ(r.status().message().find(kVectorToken), std::string::npos);
    return r.status().code();
  };
  EXPECT_EQ(fail(500, "oops"), StatusCode::kUnavailable);
  EXPECT_EQ(fail(429, "{}"), StatusCode::kUnavailable);
  EXPECT_EQ(fail(401, R"({"ok":false,"error":{"code":401,"name":"UNAUTHORIZED"}})"),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(fail(400, R"({"ok":false,"error":{"code":400,"name":"AMOUNT_TOO_SMALL"}})"),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(fail(200, R"({"ok":false,"error":{"code":503,"name":"TRY_LATER"}})"),
            StatusCode::kUnavailable);
  EXPECT_EQ(fail(200, R"({"ok":true,"result":{"invoice_id":5}})"), StatusCode::kFailedPrecondition);
  http_.Answer([](const HttpRequest&) -> Result<HttpResponse> { return Unavailable("down"); });
  EXPECT_EQ(provider_->CreateInvoice(MakeOrder(), {}).status().code(), StatusCode::kUnavailable);
}

TEST_F(CryptoBotTest, CheckOrderReadsTheInvoiceBack) {
  json invoice = PaidInvoice(501);
  http_.Answer([&](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, json{{"ok", true}, {"result", {{"items", {invoice}}}}}.dump(), {}};
  });
  Order order = MakeOrder();
  order.invoice_ref = "501";
  auto check = provider_->CheckOrder(order);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  ASSERT_EQ(check->kind, PaymentCheck::Kind::kPaid);
  EXPECT_EQ(check->confirmation.provider_payment_id, "501");  // as the webhook would say
  EXPECT_EQ(check->confirmation.order_id, 15);
  EXPECT_EQ(check->confirmation.amount, 299);
  EXPECT_EQ(http_.requests().back().url, "https://pay.example/api/getInvoices?invoice_ids=501");
  EXPECT_EQ(HeaderOf(http_.requests().back(), "Crypto-Pay-API-Token"), kVectorToken);
  invoice["status"] = "active";
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kPending);
  invoice["status"] = "expired";
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kClosed);
  invoice["invoice_id"] = 502;
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kClosed);
  http_.Answer([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{502, "", {}};
  });
  EXPECT_EQ(provider_->CheckOrder(order).status().code(), StatusCode::kUnavailable);
}

// getInvoices is asked for our invoice_ref; what comes back is read as it is: a paid invoice with
// another id (the filter ignored, another invoice listed) or with another order's payload is never
// a payment of the order asked about.
TEST_F(CryptoBotTest, CheckOrderCreditsOnlyTheAskedInvoiceWithTheAskedOrdersPayload) {
  json invoice = PaidInvoice(502);  // paid, payload "15" = the order, but not invoice 501
  http_.Answer([&](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, json{{"ok", true}, {"result", {{"items", {invoice}}}}}.dump(), {}};
  });
  Order order = MakeOrder();
  order.invoice_ref = "501";
  auto check = provider_->CheckOrder(order);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_NE(check->kind, PaymentCheck::Kind::kPaid) << check->detail;

  invoice = PaidInvoice(501, "16");  // invoice 501, paid, but for order 16
  check = provider_->CheckOrder(order);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->kind, PaymentCheck::Kind::kClosed) << check->detail;
  EXPECT_NE(check->detail.find("order 16"), std::string::npos) << check->detail;

  invoice = PaidInvoice(501, "15");  // the control: the asked invoice of the asked order
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kPaid);
}

TEST_F(CryptoBotTest, RefundIsNotOffered) {
  Payment p;
  p.provider = kName;
  EXPECT_EQ(provider_->Refund(p, 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(http_.requests().empty());
}

TEST(CryptoBotSpec, DeclaresItsVariablesAndIsBuiltWhenTheTokenIsSet) {
  const ProviderSpec spec = Spec();
  ASSERT_EQ(spec.variables.size(), 2u);
  EXPECT_EQ(spec.variables[0].name, "CRYPTO_BOT_API");
  EXPECT_TRUE(spec.variables[0].secret);
  EXPECT_TRUE(spec.variables[0].required);
  EXPECT_EQ(spec.variables[1].name, "CRYPTO_BOT_API_URL");
  EXPECT_EQ(spec.variables[1].default_value, "https://pay.crypt.bot/api");
  EXPECT_FALSE(spec.variables[1].required);
  EXPECT_TRUE(spec.variables[1].url);
  HttpClient http;
  ProvidersConfig config;
  config.settings["CRYPTO_BOT_API"] = "1:x";
  const auto built = BuildPaymentProviders(config, ProviderDeps{nullptr, &http}, {spec});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ASSERT_NE(built->Find("cryptobot"), nullptr);
  EXPECT_EQ(built->Find("cryptobot")->Label(), "CryptoBot");
  EXPECT_TRUE(built->Find("cryptobot")->TakesNotices());
}

}  // namespace
}  // namespace vpnhub::payments::cryptobot
