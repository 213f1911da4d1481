#pragma once
// The billing terms from configuration (BillingConfig) and the pure price rules: what a tariff or
// a switch costs in a currency, a percent promo's price, the per-month price and the saving the
// tariff screen shows. No I/O; amounts are integers in the currency's unit (billing.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/time.hpp"

namespace vpnhub {

// Everything the billing use cases price and reward with; built from configuration in src/app
// (app::BillingConfigFrom). A price of 0 means "not sold in that currency".
struct BillingConfig {
  std::string currency = "RUB";            // CURRENCY: what `tariffs` prices are in
  std::vector<Tariff> tariffs;             // MONTH_OPTIONS x MONTH_COST
  std::vector<std::int64_t> tariff_stars;  // MONTH_COST_STARS by tariff position; empty = no Stars
  std::int64_t switch_price = 0;           // PRICE_SWITCH_LOCATION, in `currency`
  std::int64_t switch_price_stars = 0;     // PRICE_SWITCH_LOCATION_STARS
  Duration order_ttl{std::chrono::hours(1)};
  // The reconciliation of invoices over HTTP: the first question to the provider this long after
  // the invoice (PAYMENT_CHECK_FIRST_SEC), then doubling up to `payment_check_max`, until the
  // order is paid or `payment_check_grace` past its expiry (a payment made in its last minute
  // whose webhook was lost is still found).
  Duration payment_check_first{std::chrono::seconds(60)};
  Duration payment_check_max{std::chrono::hours(1)};
  Duration payment_check_grace{std::chrono::hours(24)};
  int referral_bonus_days = 3;
  int referral_invitee_days = 5;
  int free_switches_per_key = 1;
  std::int64_t traffic_limit_bytes = 0;  // LIMIT_GB, recorded on every bought key

  // The price of the `months` tariff in `currency` (CURRENCY or XTR); nullopt when there is no
  // such tariff or it is not sold in that currency (no Stars prices, a price of 0).
  std::optional<std::int64_t> TariffPrice(int months, const std::string& currency) const;
  // The price of a paid location switch in `currency`; nullopt when not sold in it.
  std::optional<std::int64_t> SwitchPrice(const std::string& currency) const;
};

// `price` less `percent` (0..100) percent, rounded to the nearest unit (halves up), never below
// 1 when `price` is positive: a provider cannot charge nothing.
std::int64_t PriceAfterPercent(std::int64_t price, int percent);

// One line of the tariff screen.
struct TariffOffer {
  int months = 0;
  std::int64_t price = 0;
  std::string currency;
  std::int64_t per_month = 0;  // price / months, rounded to the nearest unit
  // How much cheaper per month than the 1-month tariff in the same currency, in whole percent
  // (rounded down); 0 for the 1-month tariff itself, when it is dearer, or when there is none.
  int saving_percent = 0;
};

// The tariffs sold in `currency`, in configuration order.
std::vector<TariffOffer> TariffOffers(const BillingConfig& config, const std::string& currency);

// The length of `months` billing months plus `bonus_days` days.
inline Duration BoughtTime(int months, int bonus_days) {
  return kBillingMonth * months + std::chrono::hours(24) * bonus_days;
}

}  // namespace vpnhub
