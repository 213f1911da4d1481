#include "app/bot_role.hpp"

#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "app/payment_providers.hpp"
#include "bot/commands.hpp"
#include "http/webhook_route.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "subscription/token.hpp"

namespace vpnhub::app {

// ---- UpdatePool ------------------------------------------------------------------------------

// ---- BotRole ---------------------------------------------------------------------------------

namespace {

constexpr int kHandlerThreads = 4;
constexpr std::size_t kPendingUpdates = 10000;
// pre_checkout_query lane: two threads so one slow database call does not hold the other answer.
constexpr int kUrgentThreads = 2;
constexpr std::size_t kPendingUrgent = 1000;
constexpr char kLeaseJob[] = "telegram_bot";

std::string DefaultInstanceId(Context& ctx) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "host") + ":" + std::to_string(getpid()) + ":" +
         ctx.secrets.Token(6);
}

// A person's subscription URL from their user id and version (issue 18); empty (links off) when
// SUBSCRIPTION_BASE_URL is unset.
std::function<std::string(Id, std::int64_t)> SubscriptionUrls(const Config& cfg) {
  if (cfg.subscription_base_url.empty()) return {};
  return [base = cfg.subscription_base_url, key = cfg.subscription_signing_key](
             Id user_id, std::int64_t version) {
    return subscription::SubscriptionUrl(base, key, user_id, version);
  };
}

}  // namespace

BotRole::BotRole(Context& ctx, BotRoleOptions options)
    : ctx_(ctx),
      role_options_(std::move(options)),
      api_options_{ctx.config.telegram_api_url, ctx.config.tg_token},
      api_pool_(api_options_),
      lookup_(*ctx.bot, *ctx.store),
      renderer_(lookup_, ctx.backends, ctx.clock,
                bot::RendererOptions{ctx.config.default_lang, 256, ctx.config.name,
                                     SubscriptionUrls(ctx.config)}) {
  const Config& cfg = ctx.config;
  if (cfg.check_follow && cfg.id_channel) {
    const std::int64_t channel = *cfg.id_channel;
    membership_ = std::make_unique<bot::CachingMembershipChecker>(
        [this, channel](std::int64_t user) -> Result<bool> {
          return api_pool_.With([&](telegram::BotApi& api) -> Result<bool> {
            VPNHUB_ASSIGN_OR_RETURN(auto member, api.GetChatMember(channel, user));
            return member.is_member;
          });
        },
        ctx.clock, bot::MembershipCacheOptions{}, &ctx.registry);
  }

  BuildProviders();

  bot::RouterOptions ro;
  ro.service_name = cfg.name;
  ro.flood = role_options_.flood;
  ro.check_follow = cfg.check_follow;
  ro.id_channel = cfg.id_channel.value_or(0);
  ro.link_channel = cfg.link_channel;
  ro.name_channel = cfg.name_channel;
  ro.subscription_url = SubscriptionUrls(cfg);
  ro.answer_callback = [this](std::string id, std::string text) {
    Status st =
        api_pool_.With([&](telegram::BotApi& api) { return api.AnswerCallbackQuery(id, text); });
    if (!st.ok()) ctx_.log->Warn("telegram.answer_callback_failed", {{"error", st.ToString()}});
  };
  ro.answer_pre_checkout = [this](std::string id, bool ok, std::string error) {
    Status st = api_pool_.With(
        [&](telegram::BotApi& api) { return api.AnswerPreCheckoutQuery(id, ok, error); });
    if (!st.ok()) ctx_.log->Warn("telegram.answer_pre_checkout_failed", {{"error", st.ToString()}});
  };
  ro.bot_username = [this] { return BotUsername(); };
  ro.payment_not_recorded = [this](TgId payer, std::string charge_id, std::string error) {
    ctx_.log->Error("billing.payment_not_recorded",
                    {{"payer", std::to_string(payer)}, {"charge_id", charge_id}, {"error", error}});
    (void)ctx_.alerts->Raise("payment_not_recorded:" + charge_id,
                             "Payment NOT recorded: payer " + std::to_string(payer) + ", charge " +
                                 charge_id + ": " + error +
                                 ". Telegram will not send it again: credit it by hand.");
  };
  router_ = std::make_unique<bot::Router>(*ctx.bot, membership_.get(), std::move(ro), ctx.clock,
                                          &ctx.registry, ctx.billing.get());

  telegram::SenderOptions so;
  so.rate_per_sec = cfg.telegram_rate_per_sec;
  so.per_chat_interval = std::chrono::milliseconds(cfg.telegram_chat_interval_ms);
  sender_ = std::make_unique<telegram::Sender>(*ctx.store, *ctx.bot, renderer_, ctx.clock,
                                               api_options_, so, &ctx.registry, ctx.log.get());

  pool_ = std::make_shared<UpdateLanes>(kHandlerThreads, kPendingUpdates, kUrgentThreads,
                                        kPendingUrgent,
                                        [this](telegram::Update u) { Handle(std::move(u)); });
  webhook_path_ = WebhookUrlPath(cfg.telegram_webhook_url);
  // The same in every instance: each must accept what Telegram posts after any of them
  // registered the webhook.
  webhook_secret_ = cfg.telegram_webhook_secret.empty()
                        ? telegram::DefaultWebhookSecret(cfg.tg_token)
                        : cfg.telegram_webhook_secret;
  if (role_options_.instance_id.empty()) role_options_.instance_id = DefaultInstanceId(ctx);
}

BotRole::~BotRole() { Stop(); }

void BotRole::BuildProviders() {
  const Config& cfg = ctx_.config;
  auto built = ConfiguredProviders(cfg, &api_pool_, ctx_.payment_http.get(), &ctx_.registry);
  if (!built.ok()) throw std::runtime_error("payment providers: " + built.status().ToString());
  providers_ = std::move(*built);
  for (const auto& [name, reason] : providers_.not_offered()) {
    ctx_.log->Info("billing.provider_not_offered", {{"provider", name}, {"reason", reason}});
  }
  UseCasePorts ports{*ctx_.store, ctx_.backends, ctx_.clock, ctx_.secrets, *ctx_.log};
  ports.providers = ProviderMap(providers_);
  // The bot role's BillingService is the process's: the CLI builds its own context, and nothing
  // else holds the one MakeContext built (it had no providers).
  ctx_.billing = MakeBilling(cfg, ports, *ctx_.keys);
  ctx_.log->Info("billing.providers", {{"offered", std::to_string(providers_.Names().size())}});
}

void BotRole::Handle(telegram::Update update) {
  router_->Handle(update);
  sender_->Wake();                                               // the replies are in the queue
  if (role_options_.after_update) role_options_.after_update();  // and its tasks (a bought key)
}

void BotRole::AddRoutes(http::Router& router) {
  if (!webhook_mode()) return;
  auto handler = std::make_shared<const telegram::WebhookHandler>(
      webhook_secret_, [this](telegram::Update update) {
        if (!pool_->TryPost(std::move(update)))
          throw std::runtime_error("update handlers are busy");
      });
  http::WebhookRoute route;
  route.path = webhook_path_;
  route.secret_header = std::string(telegram::kSecretTokenHeader);
  route.receive = [handler](std::string_view secret, std::string_view body) {
    telegram::WebhookReply reply = handler->Handle(secret, body);
    return http::TextResponse(reply.status, std::move(reply.body));
  };
  http::AddWebhookRoute(router, std::move(route));
}

Status BotRole::LockDatabase() {
  if (database_lock_.held() || ctx_.store_kind != "sqlite") return Status::Ok();
  auto path = storage::SqlitePathFromUrl(ctx_.config.database_url);
  if (!path.ok() || *path == ":memory:") return Status::Ok();
  const std::string lock_path = *path + ".bot.lock";
  auto lock = FileLock::Acquire(lock_path);
  if (lock.ok()) {
    database_lock_ = std::move(*lock);
    return Status::Ok();
  }
  if (lock.status().code() != StatusCode::kAlreadyExists) return lock.status();
  return FailedPrecondition("another `vpnhub serve` with the bot role (" + lock.status().message() +
                            ") is running on the SQLite database " + *path +
                            ": two would poll Telegram and send for the same bot. Stop it first; "
                            "several instances need PostgreSQL (DATABASE_URL=postgres://...). "
                            "Lock file: " +
                            lock_path);
}

Result<bool> BotRole::CheckToken() {
  return api_pool_.With([&](telegram::BotApi& api) -> Result<bool> {
    auto me = api.GetMe();
    if (me.ok()) {
      std::lock_guard lock(username_mu_);
      bot_username_ = me->username;
      return true;
    }
    if (me.status().code() == StatusCode::kFailedPrecondition) {
      return FailedPrecondition("Telegram rejected TG_TOKEN (" + me.status().message() +
                                "); set TG_TOKEN to the token @BotFather gave the bot");
    }
    // Telegram unreachable right now: the lease holder keeps trying.
    ctx_.log->Warn("telegram.get_me_failed", {{"error", me.status().message()}});
    return false;
  });
}

std::string BotRole::BotUsername() {
  {
    std::lock_guard lock(username_mu_);
    if (!bot_username_.empty()) return bot_username_;
  }
  auto me = api_pool_.With([](telegram::BotApi& api) { return api.GetMe(); });
  if (!me.ok()) return "";
  std::lock_guard lock(username_mu_);
  bot_username_ = me->username;
  return bot_username_;
}

void BotRole::RegisterCommands() {
  const auto menus = bot::CommandMenus(ctx_.config.admin_tg_ids);
  std::size_t set = 0;
  api_pool_.With([&](telegram::BotApi& api) {
    for (const bot::CommandMenu& menu : menus) {
      const Status st = api.SetMyCommands(menu.commands, menu.chat_id, menu.language_code);
      if (st.ok()) {
        ++set;
        continue;
      }
      // An admin who never wrote to the bot has no chat yet ("chat not found"): the others still
      // get their menus. Telegram down or busy: the next start tries again.
      ctx_.log->Warn("telegram.commands_not_set",
                     {{"scope", menu.chat_id == 0 ? "default" : "chat"},
                      {"chat_id", std::to_string(menu.chat_id)},
                      {"language_code", menu.language_code},
                      {"error", st.ToString()}});
      if (st.retryable() || st.code() == StatusCode::kResourceExhausted) break;
    }
    return set;
  });
  if (set == menus.size()) {
    ctx_.log->Info("telegram.commands_set", {{"menus", std::to_string(set)}});
  }
}

Status BotRole::StartWebhook() {
  Status st = api_pool_.With([&](telegram::BotApi& api) -> Status {
    return api.SetWebhook(ctx_.config.telegram_webhook_url, webhook_secret_,
                          telegram::HandledUpdateKinds());
  });
  if (st.ok())
    ctx_.log->Info("telegram.webhook_set",
                   {{"url", ctx_.config.telegram_webhook_url}, {"path", webhook_path_}});
  return st;
}

Status BotRole::Lead() {
  VPNHUB_RETURN_IF_ERROR(sender_->Start());
  Status st;
  if (webhook_mode()) {
    st = StartWebhook();
  } else {
    telegram::PollerOptions po;
    po.poll_timeout_sec = ctx_.config.telegram_poll_timeout_sec;
    poller_ = std::make_unique<telegram::Poller>(
        *ctx_.bot, api_options_, [pool = pool_](telegram::Update u) { pool->Post(std::move(u)); },
        po, &ctx_.registry, ctx_.log.get());
    st = poller_->Start();
    if (st.ok() && !poller_->me().username.empty())
      ctx_.log->Info("telegram.polling", {{"bot", "@" + poller_->me().username}});
  }
  if (!st.ok()) StepDown();
  return st;
}

void BotRole::StepDown() {
  if (poller_) poller_->Stop();  // no new updates
  poller_.reset();
  sender_->Stop();  // gives back what it claimed; the next holder sends it
}

Status BotRole::Start() {
  if (started_) return FailedPrecondition("the bot role is already running");
  VPNHUB_RETURN_IF_ERROR(LockDatabase());
  VPNHUB_ASSIGN_OR_RETURN(auto reachable, CheckToken());
  // A menu that cannot be set is logged and the start goes on: the bot works without it.
  if (reachable) {
    RegisterCommands();
  } else {
    ctx_.log->Warn("telegram.commands_not_set",
                   {{"error", "Telegram could not be reached at start (telegram.get_me_failed)"}});
  }
  started_ = true;
  jobs::LeadershipOptions lo;
  lo.job = kLeaseJob;
  lo.holder = role_options_.instance_id;
  lo.ttl = std::chrono::seconds(ctx_.config.job_lease_sec);
  lo.renew_every = lo.ttl / 3;
  // Holding the database's bot lock, no other live process can hold the lease: one left under
  // another name belongs to a process that died (kill -9), and is taken over at once.
  lo.take_stale = database_lock_.held();
  leadership_ = std::make_unique<jobs::Leadership>(
      *ctx_.store, ctx_.clock, *ctx_.log, ctx_.registry, lo, [this] { return Lead(); },
      [this] { StepDown(); });
  const Status st = leadership_->Start();
  // Telegram refusing the webhook URL is the operator's to fix; a network failure is retried by
  // the next round (the lease was given back meanwhile).
  if (!st.ok() && !st.retryable()) {
    Stop();
    return st;
  }
  if (st.ok() && !leadership_->leading()) {
    ctx_.log->Info("telegram.standby", {{"hint",
                                         "another instance polls and sends for the bot; this one "
                                         "takes over when it stops"}});
  }
  return Status::Ok();
}

void BotRole::Stop() {
  if (leadership_) leadership_->Stop();  // when leading: stops polling and sending, hands over
  leadership_.reset();
  pool_->Stop();  // finish the updates taken (their replies wait in the queue)
  sender_->Stop();
  started_ = false;
}

void BotRole::Wake() {
  if (started_) sender_->Wake();
}

}  // namespace vpnhub::app
