#pragma once
// The payment providers this configuration offers, built from one list of provider specs
// (providers.cpp; docs/adding-a-payment-provider.md). A provider whose configuration is not
// complete is left out with the reason, so the bot offers only what can take money.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "telegram/bot_api_pool.hpp"

namespace vpnhub::payments {

// What the providers' configuration says (filled from Config in src/app).
struct ProvidersConfig {
  bool stars_enabled = true;             // TG_STARS (on unless "off")
  bool stars_prices_configured = false;  // MONTH_COST_STARS has the tariffs' Stars prices
};

// What the providers call through; each must outlive the providers built with it.
struct ProviderDeps {
  telegram::BotApiPool* bot_api = nullptr;  // null when the bot is disabled (no TG_TOKEN)
};

struct ProviderSpec {
  std::string name;  // the provider's Name(): orders, payments, metrics and the CLI carry it
  // Why this configuration cannot offer the provider ("TG_STARS=off"), or "" when it can.
  std::function<std::string(const ProvidersConfig&, const ProviderDeps&)> missing;
  std::function<std::unique_ptr<ports::PaymentProvider>(const ProviderDeps&)> make;
};

// Every provider VPNHub has, in the order they are offered to people (providers.cpp).
const std::vector<ProviderSpec>& BuiltinProviderSpecs();

// The providers built for one configuration. Immutable once built: safe on any thread (each
// provider is thread-safe itself, as the port requires).
class PaymentProviders {
 public:
  // The provider named `name`, or null when it is unknown or not offered.
  ports::PaymentProvider* Find(std::string_view name) const;
  // The offered providers' names, in offering order.
  std::vector<std::string> Names() const;
  bool empty() const { return providers_.empty(); }
  // (name, reason) of each provider left out, for the start-up log and check-config.
  const std::vector<std::pair<std::string, std::string>>& not_offered() const {
    return not_offered_;
  }

 private:
  friend Result<PaymentProviders> BuildPaymentProviders(const ProvidersConfig&, const ProviderDeps&,
                                                        const std::vector<ProviderSpec>&);
  std::vector<std::unique_ptr<ports::PaymentProvider>> providers_;
  std::vector<std::pair<std::string, std::string>> not_offered_;
};

// Builds every spec whose configuration is complete. kInvalidArgument for a spec without a name,
// `missing` or `make`, two specs with one name, or a provider whose Name() is not its spec's.
Result<PaymentProviders> BuildPaymentProviders(
    const ProvidersConfig& config, const ProviderDeps& deps,
    const std::vector<ProviderSpec>& specs = BuiltinProviderSpecs());

}  // namespace vpnhub::payments
