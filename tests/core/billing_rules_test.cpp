// The price rules of the tariff screen and of promo codes.
#include "core/billing_rules.hpp"

#include <gtest/gtest.h>

namespace vpnhub {
namespace {

BillingConfig Config() {
  BillingConfig c;
  c.currency = "RUB";
  c.tariffs = {{1, 150}, {3, 400}, {6, 750}, {12, 1400}};
  c.tariff_stars = {100, 250, 0, 800};
  c.switch_price = 100;
  c.switch_price_stars = 0;
  return c;
}

TEST(BillingRulesTest, TariffPricePerCurrency) {
  const BillingConfig c = Config();
  EXPECT_EQ(c.TariffPrice(3, "RUB"), 400);
  EXPECT_EQ(c.TariffPrice(3, kStarsCurrency), 250);
  EXPECT_EQ(c.TariffPrice(6, kStarsCurrency), std::nullopt);  // a Stars price of 0: not sold
  EXPECT_EQ(c.TariffPrice(2, "RUB"), std::nullopt);           // no such tariff
  EXPECT_EQ(c.TariffPrice(1, "USD"), std::nullopt);           // not the configured currency
}

TEST(BillingRulesTest, NoStarsPricesMeansNoStars) {
  BillingConfig c = Config();
  c.tariff_stars.clear();
  EXPECT_EQ(c.TariffPrice(1, kStarsCurrency), std::nullopt);
  EXPECT_TRUE(TariffOffers(c, kStarsCurrency).empty());
}

TEST(BillingRulesTest, SwitchPrice) {
  const BillingConfig c = Config();
  EXPECT_EQ(c.SwitchPrice("RUB"), 100);
  EXPECT_EQ(c.SwitchPrice(kStarsCurrency), std::nullopt);
}

TEST(BillingRulesTest, PercentPromoRoundsToNearestAndNeverReachesZero) {
  EXPECT_EQ(PriceAfterPercent(400, 10), 360);
  EXPECT_EQ(PriceAfterPercent(150, 15), 128);  // 127.5 rounds up
  EXPECT_EQ(PriceAfterPercent(149, 15), 127);  // 126.65
  EXPECT_EQ(PriceAfterPercent(100, 100), 1);
  EXPECT_EQ(PriceAfterPercent(1, 50), 1);
  EXPECT_EQ(PriceAfterPercent(400, 0), 400);
  EXPECT_EQ(PriceAfterPercent(0, 10), 0);
  EXPECT_EQ(PriceAfterPercent(std::int64_t{1} << 62, 50), std::int64_t{1} << 61);
}

TEST(BillingRulesTest, OffersShowPerMonthPriceAndSaving) {
  const auto offers = TariffOffers(Config(), "RUB");
  ASSERT_EQ(offers.size(), 4u);
  EXPECT_EQ(offers[0].per_month, 150);
  EXPECT_EQ(offers[0].saving_percent, 0);
  EXPECT_EQ(offers[1].per_month, 133);      // 400 / 3
  EXPECT_EQ(offers[1].saving_percent, 11);  // 1 - 400/450 = 11.1%
  EXPECT_EQ(offers[3].per_month, 117);      // 1400 / 12 = 116.7
  EXPECT_EQ(offers[3].saving_percent, 22);  // 1 - 1400/1800 = 22.2%
  const auto stars = TariffOffers(Config(), kStarsCurrency);
  ASSERT_EQ(stars.size(), 3u);  // the 6-month tariff has no Stars price
  EXPECT_EQ(stars[2].months, 12);
  EXPECT_EQ(stars[2].saving_percent, 33);  // 1 - 800/1200
}

TEST(BillingRulesTest, NoSavingWithoutAOneMonthTariffOrWhenDearer) {
  BillingConfig c = Config();
  c.tariffs = {{3, 400}, {6, 900}};
  c.tariff_stars.clear();
  for (const auto& o : TariffOffers(c, "RUB")) EXPECT_EQ(o.saving_percent, 0);
  c.tariffs = {{1, 100}, {3, 400}};
  EXPECT_EQ(TariffOffers(c, "RUB")[1].saving_percent, 0);
}

TEST(BillingRulesTest, BoughtTimeIsMonthsOf31DaysPlusBonus) {
  EXPECT_EQ(BoughtTime(3, 0), std::chrono::seconds(3 * 2'678'400));
  EXPECT_EQ(BoughtTime(1, 2), std::chrono::seconds(2'678'400 + 2 * 86'400));
}

}  // namespace
}  // namespace vpnhub
