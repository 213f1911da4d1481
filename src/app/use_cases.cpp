#include "app/use_cases.hpp"

#include <utility>
#include <vector>

namespace vpnhub::app {

usecases::BotSettings BotSettingsFrom(const Config& config) {
  usecases::BotSettings bot;
  bot.trial_period_sec = config.trial_period_sec;
  bot.default_lang = config.default_lang;
  bot.traffic_limit_bytes = config.limit_gb * 1024LL * 1024 * 1024;
  bot.admins = config.admin_tg_ids;
  bot.referral_invitee_days = config.referral_invitee_days;
  return bot;
}

BillingConfig BillingConfigFrom(const Config& config) {
  BillingConfig b;
  b.currency = config.currency;
  b.tariffs = config.tariffs;
  b.tariff_stars = config.tariff_stars;
  b.switch_price = config.price_switch_location;
  b.switch_price_stars = config.price_switch_location_stars;
  b.order_ttl = std::chrono::seconds(config.order_ttl_sec);
  b.payment_check_first = std::chrono::seconds(config.payment_check_first_sec);
  b.referral_bonus_days = config.referral_bonus_days;
  b.referral_invitee_days = config.referral_invitee_days;
  b.free_switches_per_key = config.free_switches_per_key;
  b.traffic_limit_bytes = config.limit_gb * 1024LL * 1024 * 1024;
  return b;
}

std::unique_ptr<usecases::BillingService> MakeBilling(const Config& config,
                                                      const UseCasePorts& ports,
                                                      usecases::KeyService& keys) {
  // Admins hear about payments only when a bot is configured to deliver it.
  std::vector<TgId> admins = config.bot_enabled() ? config.admin_tg_ids : std::vector<TgId>{};
  return std::make_unique<usecases::BillingService>(ports.store, keys, ports.clock,
                                                    BillingConfigFrom(config), ports.providers,
                                                    std::move(admins), config.default_lang);
}

UseCases MakeUseCases(const Config& config, const UseCasePorts& ports) {
  UseCases uc;
  uc.catalog = std::make_unique<usecases::Catalog>(ports.store, ports.backends, ports.clock);
  uc.keys = std::make_unique<usecases::KeyService>(ports.store, ports.backends, ports.secrets,
                                                   ports.clock, config.default_lang);
  // People and admins are only messaged when a bot is configured to deliver the messages.
  const bool notify = config.bot_enabled();
  usecases::AlertPolicy alert_policy;
  alert_policy.admins = notify ? config.admin_tg_ids : std::vector<TgId>{};
  alert_policy.cooldown = std::chrono::seconds(config.alert_cooldown_sec);
  uc.alerts = std::make_unique<usecases::AdminAlerts>(ports.store, ports.clock, alert_policy);
  RetryPolicy retry;
  retry.max_attempts = config.task_max_attempts;
  retry.base = std::chrono::milliseconds(config.task_retry_base_ms);
  uc.executor = std::make_unique<usecases::TaskExecutor>(ports.store, ports.backends, ports.clock,
                                                         ports.log, retry, &uc.alerts->policy());
  uc.sweep = std::make_unique<usecases::ExpirySweep>(ports.store, ports.clock, 500, notify);
  uc.notices = std::make_unique<usecases::ExpiryNotices>(ports.store, ports.clock, notify);
  uc.bot = std::make_unique<usecases::BotService>(ports.store, *uc.keys, *uc.alerts, ports.clock,
                                                  BotSettingsFrom(config));
  uc.billing = MakeBilling(config, ports, *uc.keys);
  return uc;
}

}  // namespace vpnhub::app
