// POST /pay/<provider> on a real HttpServer, as `serve` wires it (app::PaymentRoutes over the
// billing use cases and a real CryptoBot provider, whose webhooks are HMAC-signed): a body over
// 64 KB is 413, a forged webhook 401 with nothing changed, an unknown provider path 404, an order
// that is not ours 200 "ignored", a replay 200 "already credited" and credited once.
#include "app/payment_routes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/billing_fixture.hpp"
#include "fakes/fault_store.hpp"
#include "http/raw_client.hpp"
#include "payments/common/crypto.hpp"
#include "payments/common/http_client.hpp"
#include "payments/common/iso_time.hpp"
#include "payments/cryptobot/cryptobot_provider.hpp"
#include "payments/factory.hpp"

namespace vpnhub {
namespace {

constexpr char kToken[] = "1234:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

class PaymentRoutesTest : public BillingTest {
 protected:
  void SetUp() override {
    BillingTest::SetUp();
    payments::ProvidersConfig pc;
    pc.currency = "RUB";
    pc.settings = {{"CRYPTO_BOT_API", kToken}};
    payments::ProviderDeps deps;
    deps.http = &http_client_;
    auto built = payments::BuildPaymentProviders(pc, deps, {payments::cryptobot::Spec()});
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    providers_ = std::move(*built);
    ASSERT_NE(providers_.Find("cryptobot"), nullptr);
    WireOver(*store);
    StartServer(http::ServerOptions{}.body_limit);
  }

  // The use cases over `over` (the store, or a fault-injecting wrapper of it); StartServer after.
  void WireOver(ports::Store& over) {
    StopServer();
    static_cast<app::UseCases&>(*this) = app::MakeUseCases(
        app::TestConfig({{"TG_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"},
                         {"ADMIN_TG_ID", std::to_string(kAdmin)},
                         {"MONTH_COST", "150,400,750,1400"}}),
        {over, backends, clock, secrets, log, {{"cryptobot", providers_.Find("cryptobot")}}});
  }

  void TearDown() override { StopServer(); }

  // The server as `serve` makes it, but with `body_limit` (the default: serve's).
  void StartServer(std::size_t body_limit) {
    StopServer();
    routes_ = std::make_unique<app::PaymentRoutes>(*billing, log, registry_, nullptr);
    http::Router router;
    ASSERT_EQ(routes_->AddTo(router, providers_), std::vector<std::string>{"cryptobot"});
    http::ServerOptions o;
    o.port = 0;
    o.body_limit = body_limit;
    server_ = std::make_unique<http::HttpServer>(o, std::move(router), &registry_);
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void StopServer() {
    if (server_) server_->Stop();
    if (routes_) routes_->Stop();
    server_.reset();
    routes_.reset();
  }

  Order CryptoBotOrder(TgId tg) {
    usecases::OrderRequest r = NewKey(tg, 1);
    r.provider = "cryptobot";
    return MustOrder(r);
  }

  // Crypto Pay's invoice_paid update for `order_id`, dated now.
  static std::string Update(Id order_id, const std::string& amount = "150.00", int invoice = 501) {
    const Time now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
    nlohmann::json inv = {
        {"invoice_id", invoice},   {"status", "paid"}, {"payload", std::to_string(order_id)},
        {"currency_type", "fiat"}, {"fiat", "RUB"},    {"amount", amount}};
    return nlohmann::json{{"update_id", 1},
                          {"update_type", "invoice_paid"},
                          {"request_date", payments::IsoUtc(now)},
                          {"payload", inv}}
        .dump();
  }
  static std::string Signature(const std::string& body, const std::string& token = kToken) {
    return payments::ToHex(payments::HmacSha256(payments::Sha256(token), body));
  }

  std::optional<vpnhub::testing::RawResponse> Post(const std::string& path, const std::string& body,
                                                   const std::string& signature) {
    vpnhub::testing::RawClient c(server_->port());
    if (!c.connected()) return std::nullopt;
    c.Send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
           (signature.empty() ? "" : "Crypto-Pay-Api-Signature: " + signature + "\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body);
    return c.Read();
  }

  double Webhooks(const std::string& outcome) {
    return registry_
        .GetCounter("vpnhub_payment_webhooks_total", "",
                    {{"provider", "cryptobot"}, {"outcome", outcome}})
        .Value();
  }

  Order Reread(Id id) {
    Order o;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(o, tx.billing().GetOrder(id));
                      return Status::Ok();
                    })
                    .ok());
    return o;
  }

  payments::HttpClient http_client_;
  payments::PaymentProviders providers_;
  metrics::Registry registry_;
  std::unique_ptr<app::PaymentRoutes> routes_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(PaymentRoutesTest, ABodyOver64KBIs413AndReachesNoProvider) {
  const Order o = CryptoBotOrder(kAlice);
  std::string body = Update(o.id);
  body.insert(body.size() - 1, ",\"pad\":\"" + std::string(64 * 1024, 'x') + "\"");
  auto r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // The route's own limit, should the server's be raised for another route.
  StartServer(1024 * 1024);
  r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(Webhooks("too_large"), 1);
  EXPECT_EQ(Webhooks("credited"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
  // Exactly 64 KB of a signed update still goes through.
  std::string fits = Update(o.id);
  fits.insert(fits.size() - 1, ",\"pad\":\"\"");
  fits.insert(fits.size() - 2, std::string(64 * 1024 - fits.size(), 'x'));
  ASSERT_EQ(fits.size(), 64u * 1024);
  r = Post("/pay/cryptobot", fits, Signature(fits));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Reread(o.id).state, OrderState::kFulfilled);
}

TEST_F(PaymentRoutesTest, AForgedWebhookIs401AndChangesNothing) {
  const Order o = CryptoBotOrder(kAlice);
  const std::string body = Update(o.id);
  for (const std::string& signature :
       {Signature(body, "another:token"), Signature(body + " "), std::string(),
        std::string(64, '0'), Signature(body).substr(0, 32)}) {
    auto r = Post("/pay/cryptobot", body, signature);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << "signature \"" << signature << "\": " << r->body;
  }
  // A signed body changed on the way (a lower amount).
  const std::string cheaper = Update(o.id, "1.00");
  auto r = Post("/pay/cryptobot", cheaper, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(Webhooks("bad_signature"), 6);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 0);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
}

TEST_F(PaymentRoutesTest, AnUnknownProviderPathIs404) {
  const Order o = CryptoBotOrder(kAlice);
  const std::string body = Update(o.id);
  for (const char* path : {"/pay/nosuch", "/pay/stars", "/pay/", "/pay/cryptobot/x", "/pay"}) {
    auto r = Post(path, body, Signature(body));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
}

TEST_F(PaymentRoutesTest, AnOrderThatIsNotOursIsIgnored) {
  const std::string body = Update(987654);
  auto r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ignored");
  EXPECT_EQ(Webhooks("unknown_order"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
}

TEST_F(PaymentRoutesTest, AReplayIs200AlreadyCreditedAndCreditsOnce) {
  const Order o = CryptoBotOrder(kAlice);
  const std::string body = Update(o.id);
  auto r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "credited");
  for (int i = 0; i < 3; ++i) {
    r = Post("/pay/cryptobot", body, Signature(body));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "already credited");
  }
  EXPECT_EQ(Webhooks("credited"), 1);
  EXPECT_EQ(Webhooks("replay"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
  EXPECT_EQ(Reread(o.id).state, OrderState::kFulfilled);
}

// The store down while a genuine webhook comes: 503 (the provider delivers again), nothing
// recorded; the next delivery credits.
TEST_F(PaymentRoutesTest, AStoreThatIsDownIs503AndTheNextDeliveryCredits) {
  const Order o = CryptoBotOrder(kAlice);
  fakes::FaultStore faulty(*store);
  WireOver(faulty);
  StartServer(http::ServerOptions{}.body_limit);
  const std::string body = Update(o.id);
  faulty.LoseConnection();
  auto r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(Webhooks("unavailable"), 1);
  faulty.RestoreConnection();
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  r = Post("/pay/cryptobot", body, Signature(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "credited");
  EXPECT_EQ(Reread(o.id).state, OrderState::kFulfilled);
  StopServer();  // before `faulty` goes
}

}  // namespace
}  // namespace vpnhub
