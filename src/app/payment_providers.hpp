#pragma once
// The payment providers a configuration offers, built the same way by the bot role (which sells)
// and by `vpnhub payment refund` (which gives money back through the same provider).
#include "app/config.hpp"
#include "core/status.hpp"
#include "core/usecases/billing_service.hpp"
#include "payments/common/http_client.hpp"
#include "payments/factory.hpp"
#include "telegram/bot_api_pool.hpp"

namespace vpnhub::app {

// Every provider whose configuration is complete (Stars: TG_STARS on, MONTH_COST_STARS set, and a
// bot, whose Bot API `bot_api` it calls: null without the bot role; the providers over HTTP:
// their variables, calling through `http`); the others are in not_offered() with the reason.
// With `registry`, each provider's invoices are counted (payments::MeteredProvider).
// kInvalidArgument for a broken provider list.
Result<payments::PaymentProviders> ConfiguredProviders(const Config& config,
                                                       telegram::BotApiPool* bot_api,
                                                       payments::HttpClient* http,
                                                       metrics::Registry* registry = nullptr);

// The payment part of the configuration as the providers read it.
payments::ProvidersConfig ProvidersConfigFrom(const Config& config);

// The offered providers by name, as UseCasePorts::providers takes them.
usecases::BillingService::Providers ProviderMap(const payments::PaymentProviders& providers);

}  // namespace vpnhub::app
