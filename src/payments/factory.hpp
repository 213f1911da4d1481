#pragma once
// The payment providers this configuration offers, built from one list of provider specs
// (providers.cpp; docs/adding-a-payment-provider.md). A provider whose configuration is not
// complete is left out with the reason, so the bot offers only what can take money.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "metrics/fwd.hpp"
#include "telegram/bot_api_pool.hpp"

namespace vpnhub::payments {

class HttpClient;

// One configuration variable a provider owns (YOOKASSA_SHOP_ID). src/app adds every provider's
// variables to the configuration table (parsing, masking, check-config, --help, the README
// check), so a provider's variables live in its own folder.
struct ProviderVar {
  std::string name;
  std::string default_value;  // "" = unset by default
  bool secret = false;        // masked wherever a value is printed
  bool url = false;           // must be an http(s) URL when set
  // Part of the provider's credentials: the provider is offered when every required variable is
  // set, left out when none is, and a configuration with some but not all of them is an error
  // (check-config names the missing ones). An optional one (a receipt e-mail, an API URL) is not.
  bool required = true;
  std::string meaning;  // one line for --help and the README
};

// What the providers' configuration says (filled from Config in src/app).
struct ProvidersConfig {
  bool stars_enabled = true;             // TG_STARS (on unless "off")
  bool stars_prices_configured = false;  // MONTH_COST_STARS has the tariffs' Stars prices
  std::string currency = "RUB";          // CURRENCY: what the providers over HTTP charge in
  // Every provider variable by name, as read (trimmed, defaults applied; "" = unset).
  std::map<std::string, std::string> settings;
  // PAYMENT_WEBHOOK_BASE_URL: the public https base under which /pay/<provider> is reached (a
  // provider that names its webhook per invoice, such as Cryptomus, needs it); "" = unset.
  std::string webhook_base_url;
  // Where a provider's page sends the person after paying (the bot's t.me link).
  std::string return_url;

  // The value of `name` ("" when unset or unknown).
  std::string Get(const std::string& name) const;
};

// What the providers call through; each must outlive the providers built with it.
struct ProviderDeps {
  telegram::BotApiPool* bot_api = nullptr;  // null when the bot is disabled (no TG_TOKEN)
  HttpClient* http = nullptr;               // the providers over HTTP (payments/common)
  // When set, every provider is wrapped in a MeteredProvider (invoices counted per provider).
  metrics::Registry* registry = nullptr;
};

struct ProviderSpec {
  std::string name;  // the provider's Name(): orders, payments, metrics and the CLI carry it
  std::vector<ProviderVar> variables;  // the variables it owns (none for Stars)
  // Why this configuration cannot offer the provider ("TG_STARS=off"), or "" when it can.
  // Providers with required variables need not check them: BuildPaymentProviders does.
  std::function<std::string(const ProvidersConfig&, const ProviderDeps&)> missing;
  std::function<std::unique_ptr<ports::PaymentProvider>(const ProvidersConfig&,
                                                        const ProviderDeps&)>
      make;
};

// The required variables of `spec` that are unset while another required one is set: a provider
// configured by half (an error in the configuration). Empty when all or none are set.
std::vector<std::string> HalfConfigured(const ProviderSpec& spec, const ProvidersConfig& config);

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
