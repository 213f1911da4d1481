// Which providers a configuration offers, and the registry's refusals.
#include "payments/factory.hpp"

#include <gtest/gtest.h>

#include "metrics/registry.hpp"
#include "payments/stars/stars_provider.hpp"

namespace vpnhub::payments {
namespace {

ProvidersConfig StarsConfig(bool enabled, bool prices) {
  ProvidersConfig c;
  c.stars_enabled = enabled;
  c.stars_prices_configured = prices;
  return c;
}

class FactoryTest : public ::testing::Test {
 protected:
  ProviderDeps WithBot() { return ProviderDeps{&pool_, nullptr}; }

  telegram::BotApiPool pool_{telegram::BotApiOptions{"http://127.0.0.1:1", "1:x"}};
};

TEST_F(FactoryTest, StarsIsOfferedWhenOnWithTheBotAndStarsPrices) {
  const auto built = BuildPaymentProviders(StarsConfig(true, true), WithBot());
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->Names(), std::vector<std::string>{"stars"});
  ports::PaymentProvider* stars = built->Find("stars");
  ASSERT_NE(stars, nullptr);
  EXPECT_EQ(stars->Name(), "stars");
  EXPECT_EQ(stars->Currency(), "XTR");
  EXPECT_EQ(built->Find("yoomoney"), nullptr);
  EXPECT_TRUE(built->not_offered().empty());
}

TEST_F(FactoryTest, StarsIsNotOfferedWhenItsConfigurationIsIncomplete) {
  const auto check = [&](ProvidersConfig config, ProviderDeps deps, const std::string& why) {
    const auto built = BuildPaymentProviders(config, deps);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_TRUE(built->empty()) << why;
    EXPECT_EQ(built->Find("stars"), nullptr);
    ASSERT_EQ(built->not_offered().size(), 1u);
    EXPECT_EQ(built->not_offered()[0].first, "stars");
    EXPECT_NE(built->not_offered()[0].second.find(why), std::string::npos)
        << built->not_offered()[0].second;
  };
  check(StarsConfig(false, true), WithBot(), "TG_STARS=off");
  check(StarsConfig(true, true), ProviderDeps{}, "TG_TOKEN");
  check(StarsConfig(true, false), WithBot(), "MONTH_COST_STARS");
}

std::unique_ptr<ports::PaymentProvider> MakeStars(const ProvidersConfig& config,
                                                  const ProviderDeps& deps) {
  return stars::Spec().make(config, deps);
}

TEST_F(FactoryTest, RefusesDuplicateOrIncompleteSpecs) {
  const auto always = [](const ProvidersConfig&, const ProviderDeps&) { return std::string(); };
  const ProvidersConfig config = StarsConfig(true, true);
  EXPECT_EQ(
      BuildPaymentProviders(config, WithBot(), {stars::Spec(), stars::Spec()}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildPaymentProviders(config, WithBot(), {ProviderSpec{"", {}, always, MakeStars}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildPaymentProviders(config, WithBot(), {ProviderSpec{"stars", {}, always, nullptr}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // A spec whose provider answers to another name would be found under neither.
  EXPECT_EQ(BuildPaymentProviders(config, WithBot(), {ProviderSpec{"demo", {}, always, MakeStars}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// A provider whose invoices succeed once, then cannot be reached, then are refused.
class ScriptedProvider : public ports::PaymentProvider {
 public:
  std::string Name() const override { return "demo"; }
  std::string Currency() const override { return "RUB"; }
  Result<ports::InvoiceRequest> CreateInvoice(const Order&, const ports::InvoiceTexts&) override {
    switch (calls_++) {
      case 0:
        return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, "https://x", "1"};
      case 1:
        return Unavailable("down");
      default:
        return InvalidArgument("no");
    }
  }
  Status Refund(const Payment&, TgId) override { return Status::Ok(); }

 private:
  int calls_ = 0;
};

TEST_F(FactoryTest, WithARegistryEveryProvidersInvoicesAreCounted) {
  metrics::Registry registry;
  ProviderDeps deps = WithBot();
  deps.registry = &registry;
  ProviderSpec demo{"demo",
                    {},
                    [](const ProvidersConfig&, const ProviderDeps&) { return std::string(); },
                    [](const ProvidersConfig&, const ProviderDeps&) {
                      return std::unique_ptr<ports::PaymentProvider>(new ScriptedProvider());
                    }};
  auto built = BuildPaymentProviders(StarsConfig(true, true), deps, {demo});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ports::PaymentProvider* p = built->Find("demo");
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 3; ++i) (void)p->CreateInvoice(Order{}, {});
  const std::string text = registry.Render();
  for (const char* outcome : {"created", "unavailable", "refused"}) {
    EXPECT_NE(text.find("vpnhub_payment_invoices_total{provider=\"demo\",outcome=\"" +
                        std::string(outcome) + "\"} 1"),
              std::string::npos)
        << outcome << "\n"
        << text;
  }
}

TEST_F(FactoryTest, TheBuiltinListHasEveryProviderOnce) {
  ASSERT_FALSE(BuiltinProviderSpecs().empty());
  EXPECT_EQ(BuiltinProviderSpecs()[0].name, "stars");
}

}  // namespace
}  // namespace vpnhub::payments
