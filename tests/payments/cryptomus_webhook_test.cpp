// Cryptomus/Heleket signatures and webhooks: the computed vectors of payments.md §5.1-§5.2, PHP's
// re-encoding, what each webhook proves, and a fuzz over mutated and random bodies.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "payments/common/crypto.hpp"
#include "payments/cryptomus/cryptomus_provider.hpp"
#include "payments/cryptomus/php_json.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

using nlohmann::ordered_json;
using Kind = ports::NoticeVerdict::Kind;

constexpr char kKey[] = "test-api-key-0123456789";

// payments.md §5.2: the string PHP hashes, and the body a provider sends (sign appended last).
constexpr char kHashed[] =
    R"({"type":"payment","uuid":"62f88b36-a9d5-4fa6-aa26-e040c3dbf26d","order_id":"vpn-42",)"
    R"("amount":"10.00","payment_amount":"10.00","payment_amount_usd":"10.00",)"
    R"("merchant_amount":"9.80","commission":"0.20","is_final":true,"status":"paid","from":null,)"
    R"("wallet_address_uuid":null,"network":"tron","currency":"USD","payer_currency":"USDT",)"
    R"("additional_data":"Подписка 1 мес\/user 7","convert":{"to_currency":"USDT",)"
    R"("commission":null,"rate":"1.00000000","amount":"9.80000000"},"txid":"abc123"})";
constexpr char kVectorSign[] = "493af4dfbece7278e5e3548e0b3a4a87";

std::string WithSign(std::string hashed, const std::string& sign) {
  hashed.pop_back();
  return hashed + R"(,"sign":")" + sign + R"("})";
}

// A webhook for our order 42 as Cryptomus sends it (PHP JSON_UNESCAPED_UNICODE, sign last).
std::string OurWebhook(const std::string& status = "paid", const std::string& key = kKey) {
  ordered_json d;
  d["type"] = "payment";
  d["uuid"] = "a1b2c3d4-0000-4000-8000-000000000042";
  d["order_id"] = "vpnhub-42";
  d["amount"] = "299.00";
  d["payment_amount"] = "3.21";
  d["merchant_amount"] = "3.15";
  d["is_final"] = true;
  d["status"] = status;
  d["currency"] = "RUB";
  d["payer_currency"] = "USDT";
  d["additional_data"] = "Подписка";
  d["txid"] = "tx-1";
  d["sign"] = RequestSign(PhpJsonEncode([&] {
                            ordered_json c = d;
                            c.erase("sign");
                            return c;
                          }()),
                          key);
  return PhpJsonEncode(d);
}

TEST(CryptomusSignTest, RequestSignMatchesTheComputedVectors) {
  const std::string body =
      R"({"amount":"10.00","currency":"USD","order_id":"vpn-42","url_callback":)"
      R"("https:\/\/example.com\/pay\/cryptomus","lifetime":3600,"is_payment_multiple":false})";
  EXPECT_EQ(Base64Encode(body),
            "eyJhbW91bnQiOiIxMC4wMCIsImN1cnJlbmN5IjoiVVNEIiwib3JkZXJfaWQiOiJ2cG4tNDIiLCJ1cmxfY2Fs"
            "bGJhY2siOiJodHRwczpcL1wvZXhhbXBsZS5jb21cL3BheVwvY3J5cHRvbXVzIiwibGlmZXRpbWUiOjM2MDAs"
            "ImlzX3BheW1lbnRfbXVsdGlwbGUiOmZhbHNlfQ==");
  EXPECT_EQ(RequestSign(body, kKey), "ce8cbf20829b1d83b83be3b2b3e2f4e9");
  EXPECT_EQ(RequestSign("", kKey), "d54916f6b07c92f377abfa7a18a728aa");
  EXPECT_EQ(RequestSign("[]", kKey), "cdd0444bae7400571c0ca7903409233b");
  EXPECT_EQ(RequestSign("{}", kKey), "71bb9a7387d37d317f899fbc72772235");
}

TEST(PhpJsonTest, ReEncodesTheWebhookVectorByteForByte) {
  const auto parsed = ParseOrdered(WithSign(kHashed, kVectorSign));
  ASSERT_TRUE(parsed.has_value());
  ordered_json data = *parsed;
  data.erase("sign");
  EXPECT_EQ(PhpJsonEncode(data), kHashed);
  EXPECT_EQ(RequestSign(PhpJsonEncode(data), kKey), kVectorSign);
}

TEST(PhpJsonTest, FollowsPhpOnItsEdgeCases) {
  const auto encode = [](const std::string& text) {
    const auto parsed = ParseOrdered(text);
    return parsed ? PhpJsonEncode(*parsed) : std::string("<not json>");
  };
  EXPECT_EQ(encode(R"({"a":1.50,"b":-0.0,"c":10,"d":{}})"), R"({"a":1.5,"b":-0,"c":10,"d":[]})");
  EXPECT_EQ(encode(R"("x\u2028y\u2029")"), R"("x\u2028y\u2029")");
  EXPECT_EQ(encode(R"("\u0001\u001f\b\f\n\r\t\u007f")"), "\"\\u0001\\u001f\\b\\f\\n\\r\\t\x7f\"");
  EXPECT_EQ(encode("1e20"), "1.0e+20");
  EXPECT_EQ(encode("[1.0, 0.5, 0.05, 0.00001, 123456.789, 1e15, -2.5e-7]"),
            "[1,0.5,0.05,1.0e-5,123456.789,1000000000000000,-2.5e-7]");
  EXPECT_EQ(encode(R"("😀 \u00e9 <&'> \"\\ a/b")"), R"("😀 é <&'> \"\\ a\/b")");
  EXPECT_EQ(encode(R"({"0":"a","1":"b"})"), R"(["a","b"])");
  EXPECT_EQ(encode(R"({"1":"a","0":"b"})"), R"({"1":"a","0":"b"})");
  EXPECT_EQ(encode(R"({"k":1,"k":2,"j":3})"), R"({"k":2,"j":3})");
  EXPECT_EQ(encode("18446744073709551615"), "1.8446744073709552e+19");
  EXPECT_EQ(encode("{} "), "[]");
  EXPECT_EQ(encode("\"\xff\""), "<not json>");
  EXPECT_EQ(encode(std::string(100, '[') + std::string(100, ']')), "<not json>");
}

TEST(CryptomusWebhookTest, TheVectorVerifiesInEveryWireEncoding) {
  // Not our order ("vpn-42"): authentic, so ignored, not refused.
  const auto raw = ReadWebhook(WithSign(kHashed, kVectorSign), kKey, "cryptomus");
  EXPECT_EQ(raw.kind, Kind::kIgnored) << raw.detail;
  // The same data as plain json_encode sends it (\uXXXX) and with Python's spacing: the sign is
  // over PHP's re-encoding, so a verifier hashing the raw bytes would refuse these.
  const auto ascii = ordered_json::parse(WithSign(kHashed, kVectorSign)).dump(-1, ' ', true);
  EXPECT_NE(ascii.find("\\u041f"), std::string::npos);
  EXPECT_EQ(ReadWebhook(ascii, kKey, "cryptomus").kind, Kind::kIgnored);
  const auto spaced = ordered_json::parse(WithSign(kHashed, kVectorSign)).dump(1);
  EXPECT_EQ(ReadWebhook(spaced, kKey, "cryptomus").kind, Kind::kIgnored);
}

TEST(CryptomusWebhookTest, TheWrongEncodingsSignsDoNotVerify) {
  for (const char* wrong : {"2c7f2ec634cebeb90d94a838bcc08b76", "33e0f548d6fe362d6e7e93a40729dc36",
                            "1f7ae7bb837f81a2f3d5b023e5c29131", "94e333cb7002b617558c512950a09bd2",
                            "493AF4DFBECE7278E5E3548E0B3A4A87", "", "493af4df"}) {
    const auto v = ReadWebhook(WithSign(kHashed, wrong), kKey, "cryptomus");
    EXPECT_EQ(v.kind, Kind::kBadSignature) << wrong;
  }
  EXPECT_EQ(ReadWebhook(WithSign(kHashed, kVectorSign), "another-key", "cryptomus").kind,
            Kind::kBadSignature);
  EXPECT_EQ(ReadWebhook(kHashed, kKey, "cryptomus").kind, Kind::kBadSignature);  // no sign
  std::string number_sign = WithSign(kHashed, "x");
  number_sign.replace(number_sign.find("\"x\""), 3, "5");
  EXPECT_EQ(ReadWebhook(number_sign, kKey, "cryptomus").kind, Kind::kBadSignature);
}

TEST(CryptomusWebhookTest, APaidWebhookOfOursProvesTheInvoicesAmount) {
  const auto v = ReadWebhook(OurWebhook("paid"), kKey, "heleket");
  ASSERT_EQ(v.kind, Kind::kPaid) << v.detail;
  EXPECT_EQ(v.confirmation.provider, "heleket");
  EXPECT_EQ(v.confirmation.provider_payment_id, "a1b2c3d4-0000-4000-8000-000000000042");
  EXPECT_EQ(v.confirmation.order_id, 42);
  EXPECT_EQ(v.confirmation.payer_tg_id, 0);
  EXPECT_EQ(v.confirmation.amount, 299);
  EXPECT_EQ(v.confirmation.currency, "RUB");
  EXPECT_NE(v.confirmation.raw_reference.find("txid=tx-1"), std::string::npos);
  EXPECT_EQ(v.confirmation.raw_reference.find(kKey), std::string::npos);
  EXPECT_EQ(ReadWebhook(OurWebhook("paid_over"), kKey, "heleket").kind, Kind::kPaid);
  EXPECT_EQ(ReadWebhook(OurWebhook("paid", "other-key"), kKey, "heleket").kind,
            Kind::kBadSignature);
}

// `edit` applied to our webhook's data, re-signed with the key: what the verdict is.
Kind ReSigned(const std::function<void(ordered_json&)>& edit) {
  ordered_json d = ordered_json::parse(OurWebhook());
  d.erase("sign");
  edit(d);
  d["sign"] = RequestSign(PhpJsonEncode(d), kKey);
  return ReadWebhook(d.dump(), kKey, "cryptomus").kind;
}

TEST(CryptomusWebhookTest, OnlyAFinalPaymentOfOurOrderIsPaid) {
  for (const char* status : {"confirm_check", "check", "process", "wrong_amount_waiting",
                             "wrong_amount", "cancel", "fail", "refund_paid", "locked", "PAID"}) {
    EXPECT_EQ(ReadWebhook(OurWebhook(status), kKey, "cryptomus").kind, Kind::kIgnored) << status;
  }
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["type"] = "wallet"; }), Kind::kIgnored);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d.erase("type"); }), Kind::kIgnored);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["is_final"] = false; }), Kind::kIgnored);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["is_final"] = "true"; }), Kind::kIgnored);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d.erase("is_final"); }), Kind::kIgnored);
  for (const char* order : {"vpnhub-042", "vpnhub-", "vpnhub-4x", "vpnhub--4", "42", "vpnhub-42 ",
                            "VPNHUB-42", "vpnhub-1234567890123456789"}) {
    EXPECT_EQ(ReSigned([&](ordered_json& d) { d["order_id"] = order; }), Kind::kIgnored) << order;
  }
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["order_id"] = 42; }), Kind::kIgnored);
}

TEST(CryptomusWebhookTest, APaidWebhookWithABadFieldIsMalformed) {
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["amount"] = 299; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["amount"] = "-299.00"; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["amount"] = "2.99e2"; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d.erase("amount"); }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["currency"] = "rub"; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d.erase("currency"); }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["uuid"] = ""; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["uuid"] = "a b"; }), Kind::kMalformed);
  EXPECT_EQ(ReSigned([](ordered_json& d) { d["status"] = 1; }), Kind::kMalformed);
  EXPECT_EQ(ReadWebhook("not json", kKey, "cryptomus").kind, Kind::kMalformed);
  EXPECT_EQ(ReadWebhook("[1]", kKey, "cryptomus").kind, Kind::kMalformed);
  EXPECT_EQ(ReadWebhook("", kKey, "cryptomus").kind, Kind::kMalformed);
}

TEST(CryptomusWebhookTest, ChangingAnyFieldAfterSigningIsRefused) {
  const std::string body = OurWebhook();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"299.00", "1.00"}, {"vpnhub-42", "vpnhub-43"}, {"RUB", "USD"}, {"tx-1", "tx-2"}}) {
    std::string forged = body;
    forged.replace(forged.find(from), from.size(), to);
    EXPECT_EQ(ReadWebhook(forged, kKey, "cryptomus").kind, Kind::kBadSignature) << to;
  }
}

TEST(CryptomusWebhookTest, FuzzedBodiesNeverCrashAndNeverPayUnlessEquivalent) {
  const std::string valid = OurWebhook();
  const ordered_json valid_json = ordered_json::parse(valid);
  std::mt19937 rng(20261203);
  int paid = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string body;
    switch (i % 4) {
      case 0:
        body = valid.substr(0, rng() % valid.size());
        break;
      case 1: {
        body = valid;
        for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) {
          body[rng() % body.size()] = static_cast<char>(rng() % 256);
        }
        break;
      }
      case 2:
        body = valid;
        body.insert(rng() % body.size(), 1, " \n\t{}[]\",:\\0a"[rng() % 14]);
        break;
      default:
        body.resize(rng() % 300);
        for (char& c : body) c = static_cast<char>(rng() % 256);
    }
    const auto v = ReadWebhook(body, kKey, "cryptomus");
    if (v.kind == Kind::kPaid) {
      ++paid;
      const auto parsed = ParseOrdered(body);
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(*parsed, valid_json) << body;
      EXPECT_EQ(v.confirmation.order_id, 42);
      EXPECT_EQ(v.confirmation.amount, 299);
    }
  }
  EXPECT_EQ(ReadWebhook(valid, kKey, "cryptomus").kind, Kind::kPaid);
  EXPECT_LT(paid, 200);  // only whitespace insertions keep the body equivalent
}

}  // namespace
}  // namespace vpnhub::payments::cryptomus
