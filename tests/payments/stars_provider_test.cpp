// The Stars provider against the fake Bot API: the invoice it sends and the refund it asks for.
#include "payments/stars/stars_provider.hpp"

#include <gtest/gtest.h>

#include "servers/fake_telegram.hpp"

namespace vpnhub::payments::stars {
namespace {

using nlohmann::json;

constexpr char kToken[] = "777000:AAF-stars-token";

class StarsProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_ = new telegram::CurlGlobal(); }
  static void TearDownTestSuite() {
    delete curl_;
    curl_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fake_.Start().ok());
    pool_ = std::make_unique<telegram::BotApiPool>(
        telegram::BotApiOptions{fake_.base_url(), kToken, std::chrono::milliseconds(5000)});
    provider_ = std::make_unique<StarsProvider>(*pool_);
  }

  static Order StarsOrder() {
    Order o;
    o.id = 42;
    o.user_id = 3;
    o.months = 3;
    o.provider = "stars";
    o.amount = 400;
    o.currency = "XTR";
    return o;
  }

  static ports::InvoiceTexts Texts() {
    return ports::InvoiceTexts{5, "VPN, 3 months", "A key in Amsterdam for 93 days", "3 months"};
  }

  static Payment StarsPayment(std::string charge) {
    Payment p;
    p.id = 9;
    p.provider = "stars";
    p.provider_payment_id = std::move(charge);
    p.order_id = 42;
    p.amount = 400;
    p.currency = "XTR";
    return p;
  }

  static telegram::CurlGlobal* curl_;
  servers::FakeTelegram fake_{kToken};
  std::unique_ptr<telegram::BotApiPool> pool_;
  std::unique_ptr<StarsProvider> provider_;
};

telegram::CurlGlobal* StarsProviderTest::curl_ = nullptr;

TEST_F(StarsProviderTest, TheInvoiceCarriesTheOrderIdAndItsAmount) {
  const auto invoice = provider_->CreateInvoice(StarsOrder(), Texts());
  ASSERT_TRUE(invoice.ok()) << invoice.status().ToString();
  EXPECT_EQ(invoice->via, ports::InvoiceRequest::Via::kSentInChat);
  EXPECT_TRUE(invoice->url.empty());
  const auto calls = fake_.Calls("sendInvoice");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].status, 200);  // the fake accepted it as a valid Stars invoice
  EXPECT_EQ(calls[0].chat_id, 5);
  EXPECT_EQ(calls[0].params["payload"], "42");
  EXPECT_EQ(calls[0].params["currency"], "XTR");
  EXPECT_EQ(calls[0].params["provider_token"], "");
  EXPECT_EQ(calls[0].params["prices"], json::parse(R"([{"label":"3 months","amount":400}])"));
  EXPECT_EQ(calls[0].params["title"], "VPN, 3 months");
}

TEST_F(StarsProviderTest, AnOrderNotInStarsIsNeverInvoiced) {
  Order rub = StarsOrder();
  rub.currency = "RUB";
  EXPECT_EQ(provider_->CreateInvoice(rub, Texts()).status().code(), StatusCode::kInvalidArgument);
  Order free = StarsOrder();
  free.amount = 0;
  EXPECT_EQ(provider_->CreateInvoice(free, Texts()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Calls("sendInvoice").empty());
}

TEST_F(StarsProviderTest, TelegramBusyOrBlockedComesBackInThePortsWords) {
  fake_.FailNext("sendInvoice", 1, 429, 3);
  EXPECT_EQ(provider_->CreateInvoice(StarsOrder(), Texts()).status().code(),
            StatusCode::kUnavailable);
  fake_.FailNext("sendInvoice", 1, 502);
  EXPECT_EQ(provider_->CreateInvoice(StarsOrder(), Texts()).status().code(),
            StatusCode::kUnavailable);
  fake_.Block(5);
  EXPECT_EQ(provider_->CreateInvoice(StarsOrder(), Texts()).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(StarsProviderTest, RefundGivesTheChargeBackToThePayer) {
  fake_.InjectSuccessfulPayment(5, "42", 400, "stxPaid42");
  EXPECT_TRUE(provider_->Refund(StarsPayment("stxPaid42"), 5).ok());
  ASSERT_EQ(fake_.StarCharges().size(), 1u);
  EXPECT_TRUE(fake_.StarCharges()[0].refunded);
  // Refunded already, or never made: Telegram refuses, which the port calls kFailedPrecondition.
  EXPECT_EQ(provider_->Refund(StarsPayment("stxPaid42"), 5).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(provider_->Refund(StarsPayment("stxNever"), 5).code(), StatusCode::kFailedPrecondition);
  fake_.FailNext("refundStarPayment", 1, 500);
  EXPECT_EQ(provider_->Refund(StarsPayment("stxPaid42"), 5).code(), StatusCode::kUnavailable);
}

TEST_F(StarsProviderTest, RefundRefusesWhatIsNoStarsPayment) {
  Payment other = StarsPayment("stxPaid42");
  other.provider = "yoomoney";
  EXPECT_EQ(provider_->Refund(other, 5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(provider_->Refund(StarsPayment(""), 5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(provider_->Refund(StarsPayment("stxPaid42"), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake_.Calls("refundStarPayment").empty());
}

}  // namespace
}  // namespace vpnhub::payments::stars
