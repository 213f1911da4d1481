// The Cryptomus/Heleket provider against a small in-process API: the signed invoice request, the
// answers it reads, the reconciliation check, and the two specs.
#include "payments/cryptomus/cryptomus_provider.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "payments/common/crypto.hpp"
#include "telegram/bot_api.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

using nlohmann::json;

constexpr char kKey[] = "merchant-payment-key-0001";
constexpr char kMerchant[] = "c26b80a8-9549-4b66-bb53-774f12809249";
const Time kNow = Time(std::chrono::seconds(1'800'000'000));

// A Cryptomus API on loopback: records each request and answers what the test set.
class FakeApi {
 public:
  FakeApi() {
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      paths_.push_back(req.path);
      bodies_.push_back(req.body);
      merchants_.push_back(req.get_header_value("merchant"));
      signs_.push_back(req.get_header_value("sign"));
      res.status = status_;
      res.set_content(answer_, "application/json");
    };
    server_.Post("/v1/payment", handle);
    server_.Post("/v1/payment/info", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    answer_ = std::move(body);
  }
  std::vector<std::string> paths_, bodies_, merchants_, signs_;

 private:
  std::mutex mu_;
  int status_ = 200;
  std::string answer_ = "{}";
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class CryptomusProviderTest : public ::testing::Test {
 protected:
  // curl_global_init once for the whole program, before any client exists.
  static void SetUpTestSuite() { static const telegram::CurlGlobal curl_global; }
  void SetUp() override {
    Settings s;
    s.name = "cryptomus";
    s.label = "Cryptomus";
    s.api_url = api_.url();
    s.merchant_uuid = kMerchant;
    s.key = kKey;
    s.currency = "RUB";
    s.callback_url = "https://vpn.example.com/pay/cryptomus";
    s.return_url = "https://t.me/vpnhub_bot";
    provider_ = std::make_unique<CryptomusProvider>(s, http_, [] { return kNow; });
  }

  static Order AnOrder(std::chrono::seconds ttl = std::chrono::seconds(3600)) {
    Order o;
    o.id = 42;
    o.provider = "cryptomus";
    o.amount = 299;
    o.currency = "RUB";
    o.expires_at = kNow + ttl;
    return o;
  }

  static std::string Invoice(const std::string& status, const std::string& order_id) {
    return json{{"state", 0},
                {"result",
                 {{"uuid", "5e2f0c1a-1111-4222-8333-444455556666"},
                  {"order_id", order_id},
                  {"amount", "299.00"},
                  {"currency", "RUB"},
                  {"url", "https://pay.cryptomus.com/pay/5e2f0c1a-1111-4222-8333-444455556666"},
                  {"status", status},
                  {"payment_status", status},
                  {"is_final", status != "check"}}}}
        .dump();
  }

  FakeApi api_;
  HttpClient http_;
  std::unique_ptr<CryptomusProvider> provider_;
};

TEST_F(CryptomusProviderTest, CreateInvoiceSendsASignedDocumentedRequest) {
  api_.Answer(200, Invoice("check", "vpnhub-42"));
  const auto invoice = provider_->CreateInvoice(AnOrder(), {});
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(invoice->via, ports::InvoiceRequest::Via::kPaymentLink);
  EXPECT_EQ(invoice->url, "https://pay.cryptomus.com/pay/5e2f0c1a-1111-4222-8333-444455556666");
  EXPECT_EQ(invoice->invoice_ref, "5e2f0c1a-1111-4222-8333-444455556666");
  ASSERT_EQ(api_.paths_.size(), 1u);
  EXPECT_EQ(api_.paths_[0], "/v1/payment");
  EXPECT_EQ(api_.merchants_[0], kMerchant);
  EXPECT_EQ(api_.signs_[0], Md5Hex(Base64Encode(api_.bodies_[0]) + kKey));
  EXPECT_EQ(api_.bodies_[0].find(kKey), std::string::npos);
  const json body = json::parse(api_.bodies_[0]);
  EXPECT_EQ(body["amount"], "299.00");
  EXPECT_EQ(body["currency"], "RUB");
  EXPECT_EQ(body["order_id"], "vpnhub-42");
  EXPECT_EQ(body["url_callback"], "https://vpn.example.com/pay/cryptomus");
  EXPECT_EQ(body["url_return"], "https://t.me/vpnhub_bot");
  EXPECT_EQ(body["url_success"], "https://t.me/vpnhub_bot");
  EXPECT_EQ(body["lifetime"], 3600);
  EXPECT_EQ(body["is_payment_multiple"], false);
}

TEST_F(CryptomusProviderTest, TheLifetimeIsTheOrdersTimeLeftWithinTheApisBounds) {
  api_.Answer(200, Invoice("check", "vpnhub-42"));
  for (const auto& [ttl, lifetime] : std::vector<std::pair<int, int>>{
           {10, 300}, {-50, 300}, {1000, 1000}, {43200, 43200}, {604800, 43200}}) {
    ASSERT_TRUE(provider_->CreateInvoice(AnOrder(std::chrono::seconds(ttl)), {}).ok());
    EXPECT_EQ(json::parse(api_.bodies_.back())["lifetime"], lifetime) << ttl;
  }
}

TEST_F(CryptomusProviderTest, CreateInvoiceClassifiesTheApisAnswers) {
  Order rub_less = AnOrder();
  rub_less.currency = "USD";
  EXPECT_EQ(provider_->CreateInvoice(rub_less, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(api_.paths_.empty());
  const auto code = [&](int status, const std::string& body) {
    api_.Answer(status, body);
    return provider_->CreateInvoice(AnOrder(), {}).status().code();
  };
  EXPECT_EQ(code(500, R"({"state":1,"message":"Server error"})"), StatusCode::kUnavailable);
  EXPECT_EQ(code(429, "{}"), StatusCode::kUnavailable);
  EXPECT_EQ(code(401, R"({"state":1,"message":"Unauthenticated"})"), StatusCode::kPermissionDenied);
  EXPECT_EQ(code(422, R"({"state":1,"errors":{"amount":["validation.required"]}})"),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(200, R"({"state":1,"message":"Merchant not found"})"),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(code(200, R"({"state":0,"result":{"uuid":"u"}})"), StatusCode::kUnavailable);
  EXPECT_EQ(code(200, R"({"state":0,"result":{"uuid":"u","url":"javascript:x"}})"),
            StatusCode::kUnavailable);
  EXPECT_EQ(code(200, "<html>"), StatusCode::kUnavailable);
  api_.Answer(422, R"({"state":1,"errors":{"amount":["validation.required"]}})");
  const Status st = provider_->CreateInvoice(AnOrder(), {}).status();
  EXPECT_NE(st.message().find("amount"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find(kKey), std::string::npos);
}

TEST_F(CryptomusProviderTest, CheckOrderAsksByUuidAndReadsTheStatus) {
  Order order = AnOrder();
  order.invoice_ref = "5e2f0c1a-1111-4222-8333-444455556666";
  api_.Answer(200, Invoice("paid", "vpnhub-42"));
  const auto paid = provider_->CheckOrder(order);
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->kind, ports::PaymentCheck::Kind::kPaid);
  EXPECT_EQ(paid->confirmation.provider, "cryptomus");
  EXPECT_EQ(paid->confirmation.provider_payment_id, order.invoice_ref);
  EXPECT_EQ(paid->confirmation.order_id, 42);
  EXPECT_EQ(paid->confirmation.amount, 299);
  EXPECT_EQ(paid->confirmation.currency, "RUB");
  EXPECT_EQ(api_.paths_.back(), "/v1/payment/info");
  EXPECT_EQ(json::parse(api_.bodies_.back()), json({{"uuid", order.invoice_ref}}));
  EXPECT_EQ(api_.signs_.back(), Md5Hex(Base64Encode(api_.bodies_.back()) + kKey));

  const auto kind = [&](const std::string& status) {
    api_.Answer(200, Invoice(status, "vpnhub-42"));
    const auto check = provider_->CheckOrder(order);
    return check.ok() ? check->kind : ports::PaymentCheck::Kind::kPending;
  };
  EXPECT_EQ(kind("paid_over"), ports::PaymentCheck::Kind::kPaid);
  for (const char* closed : {"cancel", "fail", "system_fail", "wrong_amount"}) {
    EXPECT_EQ(kind(closed), ports::PaymentCheck::Kind::kClosed) << closed;
  }
  for (const char* open : {"check", "process", "confirm_check", "wrong_amount_waiting"}) {
    EXPECT_EQ(kind(open), ports::PaymentCheck::Kind::kPending) << open;
  }
  api_.Answer(200, Invoice("paid", "vpnhub-43"));
  EXPECT_EQ(provider_->CheckOrder(order).status().code(), StatusCode::kFailedPrecondition);
  api_.Answer(503, "{}");
  EXPECT_EQ(provider_->CheckOrder(order).status().code(), StatusCode::kUnavailable);
  order.invoice_ref.clear();
  api_.Answer(200, Invoice("check", "vpnhub-42"));
  ASSERT_TRUE(provider_->CheckOrder(order).ok());
  EXPECT_EQ(json::parse(api_.bodies_.back()), json({{"order_id", "vpnhub-42"}}));
}

TEST_F(CryptomusProviderTest, RefundIsLeftToTheDashboard) {
  Payment p;
  p.provider = "cryptomus";
  p.provider_payment_id = "5e2f0c1a";
  const Status st = provider_->Refund(p, 7);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("dashboard"), std::string::npos);
  EXPECT_TRUE(api_.paths_.empty());
}

std::string Readme() {
  std::ifstream in(VPNHUB_README);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CryptomusSpecTest, TwoBrandsOwnTheirVariablesAndNeedTheWebhookBase) {
  for (const auto& [spec, prefix, url] :
       {std::tuple{CryptomusSpec(), "CRYPTOMUS", "https://api.cryptomus.com"},
        std::tuple{HeleketSpec(), "HELEKET", "https://api.heleket.com"}}) {
    ASSERT_EQ(spec.variables.size(), 3u);
    EXPECT_EQ(spec.variables[0].name, std::string(prefix) + "_KEY");
    EXPECT_TRUE(spec.variables[0].secret);
    EXPECT_TRUE(spec.variables[0].required);
    EXPECT_EQ(spec.variables[1].name, std::string(prefix) + "_UUID");
    EXPECT_TRUE(spec.variables[1].required);
    EXPECT_EQ(spec.variables[2].name, std::string(prefix) + "_API_URL");
    EXPECT_EQ(spec.variables[2].default_value, url);
    EXPECT_TRUE(spec.variables[2].url);
    EXPECT_FALSE(spec.variables[2].required);
    for (const ProviderVar& var : spec.variables) {
      EXPECT_NE(Readme().find("| `" + var.name + "` | " +
                              (var.default_value.empty() ? "—" : "`" + var.default_value + "`") +
                              " | " + var.meaning + " |"),
                std::string::npos)
          << var.name << " has no README row with its meaning";
    }
    HttpClient http;
    ProvidersConfig config;
    EXPECT_EQ(spec.missing(config, ProviderDeps{nullptr, &http}),
              "PAYMENT_WEBHOOK_BASE_URL not set");
    config.webhook_base_url = "https://vpn.example.com/";
    EXPECT_EQ(spec.missing(config, ProviderDeps{nullptr, &http}), "");
    const auto provider = spec.make(config, ProviderDeps{nullptr, &http});
    EXPECT_EQ(provider->Name(), spec.name);
    EXPECT_TRUE(provider->TakesNotices());
    EXPECT_EQ(provider->Label(), spec.name == "heleket" ? "Heleket" : "Cryptomus");
  }
}

}  // namespace
}  // namespace vpnhub::payments::cryptomus
