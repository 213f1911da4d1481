#include "app/payment_providers.hpp"

namespace vpnhub::app {

Result<payments::PaymentProviders> ConfiguredProviders(const Config& config,
                                                       telegram::BotApiPool& bot_api) {
  payments::ProvidersConfig pc;
  pc.stars_enabled = config.tg_stars;
  pc.stars_prices_configured = !config.tariff_stars.empty();
  payments::ProviderDeps deps;
  deps.bot_api = config.bot_enabled() ? &bot_api : nullptr;
  return payments::BuildPaymentProviders(pc, deps);
}

usecases::BillingService::Providers ProviderMap(const payments::PaymentProviders& providers) {
  usecases::BillingService::Providers out;
  for (const std::string& name : providers.Names()) out[name] = providers.Find(name);
  return out;
}

}  // namespace vpnhub::app
