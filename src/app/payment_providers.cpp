#include "app/payment_providers.hpp"

namespace vpnhub::app {

payments::ProvidersConfig ProvidersConfigFrom(const Config& config) {
  payments::ProvidersConfig pc;
  pc.stars_enabled = config.tg_stars;
  pc.stars_prices_configured = !config.tariff_stars.empty();
  pc.currency = config.currency;
  pc.settings = config.provider_settings;
  pc.webhook_base_url = config.payment_webhook_base_url;
  pc.return_url =
      config.payment_return_url.empty() ? std::string("https://t.me") : config.payment_return_url;
  return pc;
}

Result<payments::PaymentProviders> ConfiguredProviders(const Config& config,
                                                       telegram::BotApiPool* bot_api,
                                                       payments::HttpClient* http,
                                                       metrics::Registry* registry) {
  payments::ProviderDeps deps;
  deps.bot_api = config.bot_enabled() ? bot_api : nullptr;
  deps.http = http;
  deps.registry = registry;
  return payments::BuildPaymentProviders(ProvidersConfigFrom(config), deps);
}

usecases::BillingService::Providers ProviderMap(const payments::PaymentProviders& providers) {
  usecases::BillingService::Providers out;
  for (const std::string& name : providers.Names()) out[name] = providers.Find(name);
  return out;
}

}  // namespace vpnhub::app
