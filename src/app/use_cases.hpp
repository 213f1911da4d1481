#pragma once
// The core's use cases, wired from the configuration over the ports they run on. MakeContext
// builds them over the production adapters; tests and benchmarks build them over fakes with the
// same function, so they run the use cases with the settings the service derives from the same
// variables.
#include <memory>

#include "app/config.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/secrets.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/backends.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/bot_service.hpp"
#include "core/usecases/catalog.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/key_service.hpp"
#include "core/usecases/notices.hpp"
#include "core/usecases/task_executor.hpp"

namespace vpnhub::app {

// What the use cases run on; every part must outlive them.
struct UseCasePorts {
  ports::Store& store;
  const usecases::Backends& backends;
  const ports::Clock& clock;
  ports::SecretSource& secrets;
  ports::EventLog& log;
  // The payment providers by name (src/payments builds them); none = nothing can be paid.
  usecases::BillingService::Providers providers = {};
};

// In the order they are built (each may use those above it); destroyed in reverse.
struct UseCases {
  std::unique_ptr<usecases::Catalog> catalog;
  std::unique_ptr<usecases::KeyService> keys;
  // Admins are alerted (and people messaged) only when a bot is configured to deliver it.
  std::unique_ptr<usecases::AdminAlerts> alerts;
  std::unique_ptr<usecases::TaskExecutor> executor;  // alerts through `alerts`' policy
  std::unique_ptr<usecases::ExpirySweep> sweep;
  std::unique_ptr<usecases::ExpiryNotices> notices;
  std::unique_ptr<usecases::BotService> bot;
  std::unique_ptr<usecases::BillingService> billing;
};

// The bot's settings from the configuration (trial, language, traffic limit, admins).
usecases::BotSettings BotSettingsFrom(const Config& config);

// The billing terms from the configuration (prices, order TTL, referral and switch terms).
BillingConfig BillingConfigFrom(const Config& config);

// The billing use case over `ports` (its providers included) and `keys`. MakeUseCases builds it
// without providers when `ports` has none; the bot role builds it again over the providers it
// made from its Bot API pool (payments::BuildPaymentProviders).
std::unique_ptr<usecases::BillingService> MakeBilling(const Config& config,
                                                      const UseCasePorts& ports,
                                                      usecases::KeyService& keys);

// Builds every use case. Keep the result whole: the executor refers to `alerts`.
UseCases MakeUseCases(const Config& config, const UseCasePorts& ports);

}  // namespace vpnhub::app
