// The two specs: one protocol, two brands (payments.md §3: Heleket is Cryptomus on another host).
#include <chrono>
#include <memory>

#include "payments/cryptomus/cryptomus_provider.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

struct Brand {
  const char* name;    // "cryptomus"
  const char* label;   // "Cryptomus"
  const char* prefix;  // "CRYPTOMUS": the variables' prefix
  const char* api_url;
};

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

ProviderSpec MakeSpec(const Brand& brand) {
  const std::string prefix = brand.prefix;
  ProviderSpec spec;
  spec.name = brand.name;
  const std::string label = brand.label;
  spec.variables = {
      {prefix + "_KEY", "", true, false, true,
       label +
           " payment API key (not the payout key): signs the requests and verifies the "
           "webhooks; with " +
           prefix + "_UUID and PAYMENT_WEBHOOK_BASE_URL offers " + label},
      {prefix + "_UUID", "", false, false, true,
       label + " merchant UUID (the merchant header), with " + prefix + "_KEY"},
      {prefix + "_API_URL", brand.api_url, false, true, false, label + " API base URL, http(s)://"},
  };
  spec.missing = [](const ProvidersConfig& config, const ProviderDeps& deps) -> std::string {
    if (config.webhook_base_url.empty()) return "PAYMENT_WEBHOOK_BASE_URL not set";
    if (deps.http == nullptr) return "no HTTP client";
    return "";
  };
  spec.make = [brand, prefix](const ProvidersConfig& config,
                              const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    Settings s;
    s.name = brand.name;
    s.label = brand.label;
    const std::string api_url = config.Get(prefix + "_API_URL");
    s.api_url = WithoutTrailingSlash(api_url.empty() ? brand.api_url : api_url);
    s.merchant_uuid = config.Get(prefix + "_UUID");
    s.key = config.Get(prefix + "_KEY");
    s.currency = config.currency;
    s.callback_url = WithoutTrailingSlash(config.webhook_base_url) + "/pay/" + brand.name;
    s.return_url = config.return_url;
    return std::make_unique<CryptomusProvider>(std::move(s), *deps.http, [] {
      return std::chrono::time_point_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now());
    });
  };
  return spec;
}

}  // namespace

ProviderSpec CryptomusSpec() {
  return MakeSpec({"cryptomus", "Cryptomus", "CRYPTOMUS", "https://api.cryptomus.com"});
}

ProviderSpec HeleketSpec() {
  return MakeSpec({"heleket", "Heleket", "HELEKET", "https://api.heleket.com"});
}

}  // namespace vpnhub::payments::cryptomus
