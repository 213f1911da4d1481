#include "core/billing_rules.hpp"

#include <algorithm>

namespace vpnhub {

std::optional<std::int64_t> BillingConfig::TariffPrice(int months,
                                                       const std::string& in_currency) const {
  for (std::size_t i = 0; i < tariffs.size(); ++i) {
    if (tariffs[i].months != months) continue;
    std::int64_t price = 0;
    if (in_currency == currency) {
      price = tariffs[i].price;
    } else if (in_currency == kStarsCurrency && i < tariff_stars.size()) {
      price = tariff_stars[i];
    }
    if (price > 0) return price;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> BillingConfig::SwitchPrice(const std::string& in_currency) const {
  std::int64_t price = 0;
  if (in_currency == currency) price = switch_price;
  if (in_currency == kStarsCurrency) price = switch_price_stars;
  if (price > 0) return price;
  return std::nullopt;
}

std::int64_t PriceAfterPercent(std::int64_t price, int percent) {
  if (price <= 0) return 0;
  percent = std::clamp(percent, 0, 100);
  const std::int64_t kept = 100 - percent;
  // price * kept / 100 with halves rounded up, without overflowing for huge prices.
  const std::int64_t out = (price / 100) * kept + ((price % 100) * kept + 50) / 100;
  return std::max<std::int64_t>(out, 1);
}

std::vector<TariffOffer> TariffOffers(const BillingConfig& config, const std::string& currency) {
  std::optional<std::int64_t> one_month = config.TariffPrice(1, currency);
  std::vector<TariffOffer> out;
  for (const Tariff& t : config.tariffs) {
    auto price = config.TariffPrice(t.months, currency);
    if (!price) continue;
    TariffOffer o;
    o.months = t.months;
    o.price = *price;
    o.currency = currency;
    o.per_month = (*price + t.months / 2) / t.months;
    if (one_month && t.months > 1) {
      // 100 * (1 - price / (one_month * months)), rounded down, in integers.
      const std::int64_t full = *one_month * t.months;
      if (*price < full) o.saving_percent = static_cast<int>((full - *price) * 100 / full);
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace vpnhub
