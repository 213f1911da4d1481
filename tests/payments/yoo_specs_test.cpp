// The YooKassa and YooMoney specs: when the factory offers them, and their variables.
#include <gtest/gtest.h>

#include "payments/common/http_client.hpp"
#include "payments/factory.hpp"
#include "payments/yookassa/yookassa_provider.hpp"
#include "payments/yoomoney/yoomoney_provider.hpp"

namespace vpnhub::payments {
namespace {

class YooSpecsTest : public ::testing::Test {
 protected:
  Result<PaymentProviders> Build(std::map<std::string, std::string> settings,
                                 std::string currency = "RUB") {
    ProvidersConfig config;
    config.currency = std::move(currency);
    config.settings = std::move(settings);
    config.return_url = "https://t.me/vpnhub_bot";
    return BuildPaymentProviders(config, ProviderDeps{nullptr, &http_},
                                 {yookassa::Spec(), yoomoney::Spec()});
  }
  static std::string Why(const PaymentProviders& built, const std::string& name) {
    for (const auto& [n, why] : built.not_offered()) {
      if (n == name) return why;
    }
    return "";
  }

  HttpClient http_;
};

TEST_F(YooSpecsTest, BothAreOfferedWithTheirCredentials) {
  const auto built = Build({{"YOOKASSA_SHOP_ID", "123456"},
                            {"YOOKASSA_SECRET_KEY", "test_SecretKey"},
                            {"YOOMONEY_WALLET", "4100111"},
                            {"YOOMONEY_NOTIFICATION_SECRET", "s"}});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->Names(), (std::vector<std::string>{"yookassa", "yoomoney"}));
  EXPECT_EQ(built->Find("yookassa")->Label(), "YooKassa");
  EXPECT_EQ(built->Find("yoomoney")->Label(), "YooMoney");
  EXPECT_TRUE(built->Find("yookassa")->TakesNotices());
  EXPECT_TRUE(built->Find("yoomoney")->TakesNotices());
  EXPECT_EQ(built->Find("yookassa")->Currency(), "RUB");
}

TEST_F(YooSpecsTest, NeitherIsOfferedWithoutCredentials) {
  const auto built = Build({});
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE(built->empty());
  EXPECT_EQ(HalfConfigured(yookassa::Spec(), ProvidersConfig{}), std::vector<std::string>{});
  ProvidersConfig half;
  half.settings = {{"YOOKASSA_SHOP_ID", "123456"}};
  EXPECT_EQ(HalfConfigured(yookassa::Spec(), half),
            std::vector<std::string>{"YOOKASSA_SECRET_KEY"});
  half.settings = {{"YOOMONEY_NOTIFICATION_SECRET", "s"}};
  EXPECT_EQ(HalfConfigured(yoomoney::Spec(), half), std::vector<std::string>{"YOOMONEY_WALLET"});
}

TEST_F(YooSpecsTest, ABadAllowlistOrVatCodeOrCurrencyIsNamed) {
  std::map<std::string, std::string> kassa = {{"YOOKASSA_SHOP_ID", "1"},
                                              {"YOOKASSA_SECRET_KEY", "k"}};
  auto with = kassa;
  with["YOOKASSA_TRUSTED_IPS"] = "185.71.76.0/27,example.com";
  EXPECT_NE(Why(*Build(with), "yookassa").find("YOOKASSA_TRUSTED_IPS"), std::string::npos);
  for (const char* vat : {"0", "11", "x", "-1", "100"}) {
    with = kassa;
    with["YOOKASSA_VAT_CODE"] = vat;
    EXPECT_NE(Why(*Build(with), "yookassa").find("YOOKASSA_VAT_CODE"), std::string::npos) << vat;
  }
  with = kassa;
  with["YOOKASSA_VAT_CODE"] = "10";
  EXPECT_EQ(Build(with)->Names(), std::vector<std::string>{"yookassa"});
  const auto usd =
      Build({{"YOOMONEY_WALLET", "4100111"}, {"YOOMONEY_NOTIFICATION_SECRET", "s"}}, "USD");
  EXPECT_NE(Why(*usd, "yoomoney").find("RUB"), std::string::npos);
}

TEST_F(YooSpecsTest, SecretsAreMarkedAndUrlsDefaultToTheRealOnes) {
  std::map<std::string, ProviderVar> vars;
  for (const auto& spec : {yookassa::Spec(), yoomoney::Spec()}) {
    for (const auto& v : spec.variables) vars[v.name] = v;
  }
  EXPECT_TRUE(vars["YOOKASSA_SECRET_KEY"].secret);
  EXPECT_TRUE(vars["YOOMONEY_NOTIFICATION_SECRET"].secret);
  EXPECT_TRUE(vars["YOOMONEY_TOKEN"].secret);
  EXPECT_FALSE(vars["YOOMONEY_TOKEN"].required);
  EXPECT_FALSE(vars["YOOKASSA_SHOP_ID"].secret);
  EXPECT_EQ(vars["YOOKASSA_API_URL"].default_value, "https://api.yookassa.ru/v3");
  EXPECT_TRUE(vars["YOOKASSA_API_URL"].url);
  EXPECT_FALSE(vars["YOOKASSA_API_URL"].required);
  EXPECT_EQ(vars["YOOMONEY_API_URL"].default_value, "https://yoomoney.ru");
  EXPECT_NE(vars["YOOKASSA_TRUSTED_IPS"].meaning.find("185.71.76.0/27"), std::string::npos);
}

}  // namespace
}  // namespace vpnhub::payments
