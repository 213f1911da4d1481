// WATA: X-Signature against the computed vector (payments.md §5.3), the cached public key and its
// throttled refetch, amounts read from the JSON number's text, the link request, reconciliation
// by orderId, refunds, and a fuzzed webhook parser.
#include "payments/wata/wata_provider.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <memory>
#include <random>

#include "payments/common/crypto.hpp"
#include "payments/common/iso_time.hpp"
#include "payments/wata/wata_json.hpp"
#include "scripted_http.hpp"

namespace vpnhub::payments::wata {
namespace {

using nlohmann::json;
using ports::NoticeVerdict;
using ports::PaymentCheck;
using testing::HeaderOf;
using testing::ScriptedHttp;

constexpr char kVectorKey[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6S2jcpMiqX9MldGnEn+N
jp72M8q1z5XV3GVpFiHD1cNJNqQpBTdjt8gqA/3uYagUHlP3s5v3xKUVG8ptBUXK
HUVBdY3PiXblYwuwMFG70h9SPamKzYOdFMj1OSbBm0ehuJeIPqnGd/N15meAFR67
heaYSZe1Df1DwBbJ0JnAByAMg+Dh2tj8w6q+nrLrBj/QzRF8VrgyMkIEKsXQ2pKN
hVjQ5PCWgytsRJyqtlMalCCbL2z36mXeigoRrLIgPMtsZi4wm9BNXLrPHua1iI+x
Nxr4Dw8qCkG5snyVokOm4dKFW37hk16+DYBLPdfTrpLpmQEkE7udrSLACOy3Fime
fQIDAQAB
-----END PUBLIC KEY-----
)";
constexpr char kVectorBody[] =
    R"({"transactionType":"CardCrypto","kind":"Payment","transactionId":"3a16a4f0-27b0-09d1-16da-)"
    R"(ba8d5c63eae3","transactionStatus":"Paid","errorCode":null,"errorDescription":null,)"
    R"("terminalName":"test","amount":299.00,"currency":"RUB","orderId":"vpn-42",)"
    R"("orderDescription":"VPN 1 month","commission":0.00,"paymentTime":"2025-01-01T12:00:00Z",)"
    R"("email":null})";
constexpr char kVectorSignature[] =
    "yyUxULeRKhArwxtsLeCXWhHy6BYLxtiTiGj85IPlPjkRAdIibJHGI2DFDh4YOdPtLY3sA+"
    "yQBH7qIkFaNgz7mtYDbU03GJD1"
    "fBtcIh3xYkc1JbYEFU2MuoYaPHQqKNoUIjSM6ZkoHWb9qQY/hRao00lBi2PJ/e/BddJfxevk8mQ8iy41MNYOS5i6LsCT++"
    "nKOweOwDAROU7yOGusthsVwgMLcbHHhN/6vO/qqCLJul6bFLHSPxYzdH0H5hgdXP+/62npM4jf6Zf2owfsvWpF6h1hpC90"
    "MHzmcByt8OtPrHLlx++H5ZRY9j+1AKvhSfSiH0GKVVT1qodgV64WXJ2KeQ==";

// A key pair made for the test: the public PEM and signing with the private half.
class KeyPair {
 public:
  KeyPair() : key_(EVP_RSA_gen(2048), EVP_PKEY_free) {}
  std::string PublicPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  }
  std::string SignBase64(const std::string& body) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t n = 0;
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha512(), nullptr, key_.get());
    EVP_DigestSign(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(body.data()),
                   body.size());
    std::string sig(n, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                   reinterpret_cast<const unsigned char*>(body.data()), body.size());
    sig.resize(n);
    return Base64Encode(sig);
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

std::string Transaction(const std::string& amount = "299.00", const std::string& order = "15",
                        const std::string& status = "Paid", const std::string& kind = "Payment") {
  return R"({"transactionType":"SBP","kind":")" + kind +
         R"(","transactionId":"3a16a4f0-27b0-09d1-16da-ba8d5c63eae3","transactionStatus":")" +
         status + R"(","errorCode":null,"amount":)" + amount + R"(,"currency":"RUB","orderId":")" +
         order + R"(","commission":0.00,"paymentLinkId":"3fa85f64-5717-4562-b3fc-2c963f66afa6"})";
}

class WataTest : public ::testing::Test {
 protected:
  WataTest() {
    SetKey(keys_[0].PublicPem());
    Options o;
    o.name = kSbpName;
    o.label = "SBP (WATA)";
    o.api_url = "https://wata.example/api/h2h";
    o.token = "jwt-terminal-token";
    o.currency = "RUB";
    o.return_url = "https://t.me/vpnhub_bot";
    o.send = http_.Send();
    o.now = [this] { return FromUnixMs(now_ms_.load()); };
    provider_ = std::make_unique<WataProvider>(std::move(o));
  }

  void SetKey(const std::string& pem) {
    http_.Answer([pem, this](const HttpRequest& r) -> Result<HttpResponse> {
      if (r.url.ends_with("/public-key")) {
        if (key_down_) return Unavailable("down");
        return HttpResponse{200, json{{"value", pem}}.dump(), {}};
      }
      return api_(r);
    });
  }

  ports::PaymentNotice Signed(const std::string& body, int key = 0) const {
    ports::PaymentNotice n;
    n.body = body;
    n.headers = {{"X-Signature", keys_[key].SignBase64(body)}};
    return n;
  }

  NoticeVerdict Read(const ports::PaymentNotice& n) {
    auto v = provider_->ReadNotice(n);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : NoticeVerdict{};
  }

  Order MakeOrder() const { return testing::MakeOrder(kSbpName, FromUnixMs(now_ms_.load())); }

  static inline const KeyPair keys_[2];
  ScriptedHttp http_;
  std::atomic<bool> key_down_{false};
  std::function<Result<HttpResponse>(const HttpRequest&)> api_ = [](const HttpRequest&) {
    return Result<HttpResponse>(HttpResponse{404, "{}", {}});
  };
  std::atomic<std::int64_t> now_ms_{ToUnixMs(*ParseIsoUtc("2026-01-01T00:00:00Z"))};
  std::unique_ptr<WataProvider> provider_;
};

TEST(WataSignature, TheComputedVectorVerifiesAndAReserialisedBodyDoesNot) {
  const auto sig = Base64Decode(kVectorSignature);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(RsaSha512Verify(kVectorKey, kVectorBody, *sig));
  std::string reserialised = kVectorBody;
  reserialised.replace(reserialised.find("299.00"), 6, "299.0");
  EXPECT_FALSE(RsaSha512Verify(kVectorKey, reserialised, *sig));
}

TEST_F(WataTest, TheVectorVerifiesThroughTheProviderButNamesNoOrderOfOurs) {
  SetKey(kVectorKey);
  ports::PaymentNotice n;
  n.body = kVectorBody;
  n.headers = {{"x-signature", kVectorSignature}};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kIgnored);  // orderId "vpn-42"
  n.body.replace(n.body.find("299.00"), 6, "299.0");
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
}

TEST_F(WataTest, APaidPaymentProvesTheOrderWithTheAmountAsWritten) {
  const NoticeVerdict v = Read(Signed(Transaction("299.99")));
  ASSERT_EQ(v.kind, NoticeVerdict::Kind::kPaid) << v.detail;
  EXPECT_EQ(v.confirmation.provider, "wata_sbp");
  EXPECT_EQ(v.confirmation.provider_payment_id, "3a16a4f0-27b0-09d1-16da-ba8d5c63eae3");
  EXPECT_EQ(v.confirmation.order_id, 15);
  EXPECT_EQ(v.confirmation.amount, 299);
  EXPECT_EQ(v.confirmation.currency, "RUB");
  EXPECT_EQ(v.confirmation.raw_reference,
            "wata transaction 3a16a4f0-27b0-09d1-16da-ba8d5c63eae3 link "
            "3fa85f64-5717-4562-b3fc-2c963f66afa6");
  EXPECT_EQ(Read(Signed(Transaction("300"))).confirmation.amount, 300);
  // 298.9999999999999999 is 299 as a double; as written it is less than 299.
  EXPECT_EQ(Read(Signed(Transaction("298.9999999999999999"))).confirmation.amount, 298);
}

TEST_F(WataTest, ForgedOrMissingSignaturesAreRefused) {
  EXPECT_EQ(Read(Signed(Transaction(), 1)).kind, NoticeVerdict::Kind::kBadSignature);
  ports::PaymentNotice n = Signed(Transaction());
  n.body = Transaction("999.00");  // the signature of another body
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
  n.headers = {{"X-Signature", "not base64!"}};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
  n.headers = {};
  EXPECT_EQ(Read(n).kind, NoticeVerdict::Kind::kBadSignature);
}

TEST_F(WataTest, TheKeyIsFetchedOnceAndAgainAtMostOnceAMinute) {
  const auto forged = [&] { return Read(Signed(Transaction(), 1)).kind; };
  EXPECT_EQ(Read(Signed(Transaction())).kind, NoticeVerdict::Kind::kPaid);
  EXPECT_EQ(Read(Signed(Transaction())).kind, NoticeVerdict::Kind::kPaid);
  EXPECT_EQ(http_.Count("/public-key"), 1);
  // The first failure fetches the key again (it may have rotated); the next ones within a
  // minute fetch nothing: a flood of forgeries cannot make us hammer WATA.
  now_ms_ += 30'000;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(forged(), NoticeVerdict::Kind::kBadSignature);
  EXPECT_EQ(http_.Count("/public-key"), 2);
  now_ms_ += 59'000;
  EXPECT_EQ(forged(), NoticeVerdict::Kind::kBadSignature);
  EXPECT_EQ(http_.Count("/public-key"), 2);
  // A minute after that refetch, one failure fetches once more.
  now_ms_ += 1'000;
  EXPECT_EQ(forged(), NoticeVerdict::Kind::kBadSignature);
  EXPECT_EQ(forged(), NoticeVerdict::Kind::kBadSignature);
  EXPECT_EQ(http_.Count("/public-key"), 3);
}

TEST_F(WataTest, ARotatedKeyIsPickedUpOnTheFirstFailure) {
  EXPECT_EQ(Read(Signed(Transaction())).kind, NoticeVerdict::Kind::kPaid);
  SetKey(keys_[1].PublicPem());
  EXPECT_EQ(Read(Signed(Transaction(), 1)).kind, NoticeVerdict::Kind::kPaid);
  EXPECT_EQ(Read(Signed(Transaction(), 1)).kind, NoticeVerdict::Kind::kPaid);
  EXPECT_EQ(http_.Count("/public-key"), 2);
  EXPECT_EQ(Read(Signed(Transaction(), 0)).kind, NoticeVerdict::Kind::kBadSignature);
}

TEST_F(WataTest, NoPublicKeyIsUnavailableSoWataDeliversAgain) {
  key_down_ = true;
  auto v = provider_->ReadNotice(Signed(Transaction()));
  EXPECT_EQ(v.status().code(), StatusCode::kUnavailable);
  // Throttled too: the next webhook within the minute does not ask again.
  EXPECT_EQ(provider_->ReadNotice(Signed(Transaction())).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http_.Count("/public-key"), 1);
  key_down_ = false;
  now_ms_ += 60'000;
  EXPECT_EQ(Read(Signed(Transaction())).kind, NoticeVerdict::Kind::kPaid);
}

TEST_F(WataTest, OnlyAPaidPaymentIsCredited) {
  using Kind = NoticeVerdict::Kind;
  for (const char* status : {"Declined", "Created", "Pending"}) {
    EXPECT_EQ(Read(Signed(Transaction("299.00", "15", status))).kind, Kind::kIgnored) << status;
  }
  EXPECT_EQ(Read(Signed(Transaction("299.00", "15", "Paid", "Refund"))).kind, Kind::kIgnored);
  for (const char* order : {"vpn-42", "015", "", "-1"}) {
    EXPECT_EQ(Read(Signed(Transaction("299.00", order))).kind, Kind::kIgnored) << order;
  }
  for (const char* amount : {"-299.00", "2.99e2", "\"abc\"", "null", "true"}) {
    EXPECT_EQ(Read(Signed(Transaction(amount))).kind, Kind::kMalformed) << amount;
  }
  EXPECT_EQ(Read(Signed("[1,2]")).kind, Kind::kMalformed);
  EXPECT_EQ(Read(Signed("{\"kind\":\"Payment\"")).kind, Kind::kMalformed);
}

TEST_F(WataTest, FuzzedBodiesNeverCrashAndNeverCredit) {
  const std::string valid = Transaction();
  const std::string valid_signature = keys_[0].SignBase64(valid);
  std::mt19937 rng(14);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string body = valid;
    if (i % 3 == 0) {
      body.resize(rng() % body.size());
    } else if (i % 3 == 1) {
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        body[rng() % body.size()] = static_cast<char>(byte(rng));
      }
    } else {
      body.assign(rng() % 300, '\0');
      for (char& c : body) c = static_cast<char>(byte(rng));
    }
    ports::PaymentNotice n;
    n.body = body;
    n.headers = {{"X-Signature", valid_signature}};
    const NoticeVerdict v = Read(n);
    if (body != valid) {
      EXPECT_EQ(v.kind, NoticeVerdict::Kind::kBadSignature);
    }
  }
  // The parser behind the signature, on its own (signing 3000 bodies would take long).
  for (int i = 0; i < 5000; ++i) {
    std::string body = valid;
    if (i % 2 == 0) {
      body.resize(rng() % body.size());
    } else {
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
        body[rng() % body.size()] = static_cast<char>(byte(rng));
      }
    }
    const auto doc = ParseKeepingDecimals(body);
    if (!doc) continue;
    const NoticeVerdict v = ReadTransaction(*doc, kSbpName);
    if (v.kind == NoticeVerdict::Kind::kPaid) {  // only what still says Paid and Payment
      EXPECT_NE(body.find(R"("transactionStatus":"Paid")"), std::string::npos) << body;
      EXPECT_NE(body.find(R"("kind":"Payment")"), std::string::npos) << body;
    }
  }
  EXPECT_EQ(Read(Signed(valid)).kind, NoticeVerdict::Kind::kPaid);
}

TEST_F(WataTest, CreateInvoiceMakesALinkWithTheAmountAsANumberOfTwoDecimals) {
  api_ = [](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200,
                        R"({"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","amount":299.00,)"
                        R"("currency":"RUB","status":"Opened","url":"https://pay.wata.pro/x"})",
                        {}};
  };
  SetKey(keys_[0].PublicPem());
  ports::InvoiceTexts texts;
  texts.description = "VPN, 1 month";
  Order order = MakeOrder();
  order.expires_at = FromUnixMs(now_ms_.load()) + std::chrono::minutes(1);
  const auto invoice = provider_->CreateInvoice(order, texts);
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(invoice->url, "https://pay.wata.pro/x");
  EXPECT_EQ(invoice->invoice_ref, "3fa85f64-5717-4562-b3fc-2c963f66afa6");
  const HttpRequest r = http_.requests().back();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://wata.example/api/h2h/links");
  EXPECT_EQ(HeaderOf(r, "Authorization"), "Bearer jwt-terminal-token");
  EXPECT_EQ(r.body.rfind(R"({"amount":299.00,)", 0), 0u) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["currency"], "RUB");
  EXPECT_EQ(body["orderId"], "15");
  EXPECT_EQ(body["description"], "VPN, 1 month");
  EXPECT_EQ(body["successRedirectUrl"], "https://t.me/vpnhub_bot");
  EXPECT_EQ(body["failRedirectUrl"], "https://t.me/vpnhub_bot");
  EXPECT_EQ(body["expirationDateTime"], "2026-01-01T00:11:00Z");  // at least 10 minutes ahead
}

TEST_F(WataTest, CreateInvoiceFailuresAreClassifiedWithoutTheToken) {
  const auto fail = [&](int status, const std::string& body) {
    api_ = [=](const HttpRequest&) -> Result<HttpResponse> {
      return HttpResponse{status, body, {}};
    };
    SetKey(keys_[0].PublicPem());
    const auto r = provider_->CreateInvoice(MakeOrder(), {});
    EXPECT_EQ(r.status().message().find("jwt-terminal-token"), std::string::npos);
    return r.status();
  };
  EXPECT_EQ(fail(500, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(fail(401, "").code(), StatusCode::kPermissionDenied);
  const Status refused =
      fail(400, R"({"error":{"code":"Payment:PL_1001","message":"Your request is invalid!"}})");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("PL_1001"), std::string::npos);
  EXPECT_EQ(fail(200, R"({"id":"../x","url":"https://pay"})").code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(WataTest, CheckOrderFindsThePaidTransactionByOrderId) {
  std::string transactions = R"({"items":[)" + Transaction("299.00", "15", "Declined") + "]}";
  std::string link_status = "Opened";
  api_ = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.find("/transactions?") != std::string::npos) {
      return HttpResponse{200, transactions, {}};
    }
    return HttpResponse{200, R"({"id":"abc","status":")" + link_status + R"("})", {}};
  };
  SetKey(keys_[0].PublicPem());
  Order order = MakeOrder();
  order.invoice_ref = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
  auto check = provider_->CheckOrder(order);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->kind, PaymentCheck::Kind::kPending);
  EXPECT_EQ(http_.requests().back().url,
            "https://wata.example/api/h2h/links/3fa85f64-5717-4562-b3fc-2c963f66afa6");
  link_status = "Closed";
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kClosed);
  // Another order's paid transaction is not this order's.
  transactions = R"({"items":[)" + Transaction("299.00", "16") + "]}";
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kClosed);
  transactions = R"({"items":[)" + Transaction("299.00", "15", "Declined") + "," +
                 Transaction("299.00") + "]}";
  check = provider_->CheckOrder(order);
  ASSERT_EQ(check->kind, PaymentCheck::Kind::kPaid);
  EXPECT_EQ(check->confirmation.provider_payment_id, "3a16a4f0-27b0-09d1-16da-ba8d5c63eae3");
  EXPECT_EQ(check->confirmation.amount, 299);
  const HttpRequest search = http_.requests().back();
  EXPECT_EQ(search.url, "https://wata.example/api/h2h/transactions?orderId=15");
  EXPECT_EQ(HeaderOf(search, "Authorization"), "Bearer jwt-terminal-token");
  // Without the transaction search (404) a closed link is not taken for an unpaid one.
  transactions = "";
  api_ = [&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.find("/transactions?") != std::string::npos) return HttpResponse{404, "{}", {}};
    return HttpResponse{200, R"({"id":"abc","status":"Closed"})", {}};
  };
  SetKey(keys_[0].PublicPem());
  EXPECT_EQ(provider_->CheckOrder(order)->kind, PaymentCheck::Kind::kPending);
  api_ = [](const HttpRequest&) -> Result<HttpResponse> { return HttpResponse{503, "", {}}; };
  SetKey(keys_[0].PublicPem());
  EXPECT_EQ(provider_->CheckOrder(order).status().code(), StatusCode::kUnavailable);
}

TEST_F(WataTest, RefundGivesTheTransactionBack) {
  std::string status = "Paid";
  api_ = [&](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{
        200,
        R"({"transactionId":"r1","transactionStatus":")" + status + R"(","kind":"Refund"})",
        {}};
  };
  SetKey(keys_[0].PublicPem());
  Payment p;
  p.provider = kSbpName;
  p.provider_payment_id = "3a16a4f0-27b0-09d1-16da-ba8d5c63eae3";
  p.amount = 299;
  EXPECT_TRUE(provider_->Refund(p, 0).ok());
  const HttpRequest r = http_.requests().back();
  EXPECT_EQ(r.url, "https://wata.example/api/h2h/transactions/refunds");
  EXPECT_EQ(r.body,
            R"({"amount":299.00,"originalTransactionId":"3a16a4f0-27b0-09d1-16da-ba8d5c63eae3"})");
  status = "Declined";
  EXPECT_EQ(provider_->Refund(p, 0).code(), StatusCode::kFailedPrecondition);
  p.provider = "cryptobot";
  EXPECT_EQ(provider_->Refund(p, 0).code(), StatusCode::kInvalidArgument);
}

TEST(WataJson, DecimalsKeepTheirText) {
  const auto doc = ParseKeepingDecimals(R"({"a":1188.00,"b":[0.10,{"c":5}],"d":-1,"e":"x"})");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ((*doc)["a"], "1188.00");
  EXPECT_EQ((*doc)["b"][0], "0.10");
  EXPECT_EQ((*doc)["b"][1]["c"], 5);
  EXPECT_EQ(MoneyField(*doc, "a"), 1188);
  EXPECT_EQ(MoneyField((*doc)["b"][1], "c"), 5);
  EXPECT_EQ(MoneyField(*doc, "d"), std::nullopt);
  EXPECT_EQ(MoneyField(*doc, "e"), std::nullopt);
  EXPECT_FALSE(ParseKeepingDecimals("{\"a\":1").has_value());
  EXPECT_FALSE(ParseKeepingDecimals("").has_value());
}

TEST(WataSpec, TwoProvidersOneUrlVariable) {
  const ProviderSpec card = CardSpec();
  const ProviderSpec sbp = SbpSpec();
  EXPECT_EQ(card.name, "wata_card");
  EXPECT_EQ(sbp.name, "wata_sbp");
  ASSERT_EQ(card.variables.size(), 2u);
  ASSERT_EQ(sbp.variables.size(), 1u);
  EXPECT_EQ(card.variables[0].name, "WATA_TOKEN_CARD");
  EXPECT_TRUE(card.variables[0].secret);
  EXPECT_EQ(card.variables[1].name, "WATA_API_URL");
  EXPECT_FALSE(card.variables[1].required);
  EXPECT_EQ(card.variables[1].default_value, "https://api.wata.pro/api/h2h");
  EXPECT_EQ(sbp.variables[0].name, "WATA_TOKEN_SBP");
  EXPECT_TRUE(sbp.variables[0].secret);
  HttpClient http;
  ProvidersConfig config;
  config.settings["WATA_TOKEN_SBP"] = "jwt";
  const auto built = BuildPaymentProviders(config, ProviderDeps{nullptr, &http}, {card, sbp});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->Names(), std::vector<std::string>{"wata_sbp"});
  EXPECT_EQ(built->Find("wata_sbp")->Label(), "SBP (WATA)");
}

}  // namespace
}  // namespace vpnhub::payments::wata
