#include "app/context.hpp"

#include "app/logging.hpp"
#include "app/store_factory.hpp"
#include "core/text_rules.hpp"
#include "vpn/gated_backend.hpp"
#include "vpn/metered_backend.hpp"
#include "vpn/shadowsocks/shadowsocks_backend.hpp"

namespace vpnhub::app {

std::string Context::LocationName(Id location_id) const {
  std::lock_guard lock(location_names_mu_);
  if (location_names_.count(location_id) == 0) {
    // A location added since the last read (or the first call): read them all again.
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      auto all = tx.catalog().ListLocations();
      if (!all.ok()) return all.status();
      for (const Location& l : *all) location_names_[l.id] = l.name;
      return Status::Ok();
    });
    if (!st.ok() || location_names_.count(location_id) == 0) return "";
  }
  return location_names_[location_id];
}

std::string Context::LinkFor(const Server& server, const Key& key) const {
  auto backend = backends.For(server.kind);
  if (!backend.ok()) return "(no link: " + backend.status().message() + ")";
  auto link = (*backend)->AccessLink(server, key,
                                     ShareLinkName(config.name, LocationName(server.location_id)));
  if (!link.ok()) return "(no link: " + link.status().message() + ")";
  return *link;
}

Result<std::unique_ptr<Context>> MakeContext(const Config& config, bool quiet_log) {
  auto ctx = std::make_unique<Context>();
  ctx->config = config;
  if (quiet_log) {
    ctx->log = std::make_unique<NullEventLog>();
  } else {
    ctx->log = std::make_unique<SpdlogEventLog>(config.log_level, config.log_format_json);
  }

  // Enough PostgreSQL connections for the worker, the HTTP server, the bot's handlers and
  // senders and the jobs to run at once.
  const int pool = config.worker_concurrency + config.http_threads + 8;
  auto opened = OpenStore(config.database_url, pool);
  if (!opened.ok()) return opened.status();
  ctx->store = std::move(opened->store);
  ctx->store_kind = opened->kind;

  auto ss = std::make_unique<vpn::shadowsocks::ShadowsocksBackend>(
      std::chrono::milliseconds(config.vpn_call_timeout_ms));
  auto metered = std::make_unique<vpn::MeteredBackend>(*ss, ctx->registry);
  // At most WORKER_PER_SERVER calls in flight to one server from this process; the metered
  // layer inside measures the calls themselves, not the wait for a slot.
  auto gated =
      std::make_unique<vpn::GatedBackend>(*metered, config.worker_per_server, ctx->registry);
  ctx->backends.Add(gated.get());
  ctx->backend_objects.push_back(std::move(ss));
  ctx->backend_objects.push_back(std::move(metered));
  ctx->backend_objects.push_back(std::move(gated));

  ctx->catalog = std::make_unique<usecases::Catalog>(*ctx->store, ctx->backends, ctx->clock);
  ctx->keys = std::make_unique<usecases::KeyService>(*ctx->store, ctx->secrets, ctx->clock,
                                                     config.default_lang);
  // People and admins are only messaged when a bot is configured to deliver the messages.
  const bool notify = config.bot_enabled();
  ctx->alert_policy.admins = notify ? config.admin_tg_ids : std::vector<TgId>{};
  ctx->alert_policy.cooldown = std::chrono::seconds(config.alert_cooldown_sec);
  ctx->alerts = std::make_unique<usecases::AdminAlerts>(*ctx->store, ctx->clock, ctx->alert_policy);
  RetryPolicy policy;
  policy.max_attempts = config.task_max_attempts;
  policy.base = std::chrono::milliseconds(config.task_retry_base_ms);
  ctx->executor = std::make_unique<usecases::TaskExecutor>(*ctx->store, ctx->backends, ctx->clock,
                                                           *ctx->log, policy, &ctx->alert_policy);
  ctx->sweep = std::make_unique<usecases::ExpirySweep>(*ctx->store, ctx->clock, 500, notify);
  ctx->notices = std::make_unique<usecases::ExpiryNotices>(*ctx->store, ctx->clock, notify);
  usecases::BotSettings bot;
  bot.trial_period_sec = config.trial_period_sec;
  bot.default_lang = config.default_lang;
  bot.traffic_limit_bytes = config.limit_gb * 1024LL * 1024 * 1024;
  bot.admins = config.admin_tg_ids;
  ctx->bot = std::make_unique<usecases::BotService>(*ctx->store, *ctx->keys, *ctx->alerts,
                                                    ctx->clock, bot);
  return ctx;
}

}  // namespace vpnhub::app
