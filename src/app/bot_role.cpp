#include "app/bot_role.hpp"

#include <stdexcept>

namespace vpnhub::app {

// ---- UpdatePool ------------------------------------------------------------------------------

UpdatePool::UpdatePool(int threads, std::size_t capacity,
                       std::function<void(telegram::Update)> handle)
    : handle_(std::move(handle)), capacity_(capacity) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

UpdatePool::~UpdatePool() { Stop(); }

void UpdatePool::Post(telegram::Update update) {
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [this] { return stopping_ || queue_.size() < capacity_; });
  if (stopping_) return;
  queue_.push_back(std::move(update));
  not_empty_.notify_one();
}

bool UpdatePool::TryPost(telegram::Update update) {
  std::lock_guard lock(mu_);
  if (stopping_ || queue_.size() >= capacity_) return false;
  queue_.push_back(std::move(update));
  not_empty_.notify_one();
  return true;
}

void UpdatePool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::size_t UpdatePool::depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void UpdatePool::Run() {
  for (;;) {
    telegram::Update update;
    {
      std::unique_lock lock(mu_);
      not_empty_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      update = std::move(queue_.front());
      queue_.pop_front();
      not_full_.notify_one();
    }
    handle_(std::move(update));
  }
}

// ---- BotApiPool ------------------------------------------------------------------------------

std::unique_ptr<telegram::BotApi> BotApiPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto api = std::move(idle_.back());
      idle_.pop_back();
      return api;
    }
  }
  return std::make_unique<telegram::BotApi>(options_);
}

void BotApiPool::Release(std::unique_ptr<telegram::BotApi> api) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(api));
}

// ---- BotRole ---------------------------------------------------------------------------------

namespace {

constexpr int kHandlerThreads = 4;
constexpr std::size_t kPendingUpdates = 10000;

// The path part of the public webhook URL ("https://host:8443/tg/hook?x" -> "/tg/hook").
std::string WebhookPath(const std::string& url) {
  auto scheme = url.find("://");
  auto start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos) return "/telegram/webhook";
  auto end = url.find_first_of("?#", start);
  std::string path = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return path == "/" ? "/telegram/webhook" : path;
}

}  // namespace

BotRole::BotRole(Context& ctx)
    : ctx_(ctx),
      api_options_{ctx.config.telegram_api_url, ctx.config.tg_token},
      api_pool_(api_options_),
      lookup_(*ctx.bot, *ctx.store),
      renderer_(lookup_, ctx.backends, ctx.clock,
                bot::RendererOptions{ctx.config.default_lang, 256, ctx.config.name}) {
  const Config& cfg = ctx.config;
  if (cfg.check_follow && cfg.id_channel) {
    const std::int64_t channel = *cfg.id_channel;
    membership_ = std::make_unique<bot::CachingMembershipChecker>(
        [this, channel](std::int64_t user) -> Result<bool> {
          return api_pool_.With([&](telegram::BotApi& api) -> Result<bool> {
            auto member = api.GetChatMember(channel, user);
            if (!member.ok()) return member.status();
            return member->is_member;
          });
        },
        ctx.clock, bot::MembershipCacheOptions{}, &ctx.registry);
  }

  bot::RouterOptions ro;
  ro.service_name = cfg.name;
  ro.check_follow = cfg.check_follow;
  ro.id_channel = cfg.id_channel.value_or(0);
  ro.link_channel = cfg.link_channel;
  ro.name_channel = cfg.name_channel;
  ro.answer_callback = [this](std::string id, std::string text) {
    Status st =
        api_pool_.With([&](telegram::BotApi& api) { return api.AnswerCallbackQuery(id, text); });
    if (!st.ok()) ctx_.log->Warn("telegram.answer_callback_failed", {{"error", st.ToString()}});
  };
  router_ = std::make_unique<bot::Router>(*ctx.bot, membership_.get(), std::move(ro), ctx.clock,
                                          &ctx.registry);

  telegram::SenderOptions so;
  so.rate_per_sec = cfg.telegram_rate_per_sec;
  so.per_chat_interval = std::chrono::milliseconds(cfg.telegram_chat_interval_ms);
  sender_ = std::make_unique<telegram::Sender>(*ctx.store, *ctx.bot, renderer_, ctx.clock,
                                               api_options_, so, &ctx.registry, ctx.log.get());

  pool_ = std::make_unique<UpdatePool>(kHandlerThreads, kPendingUpdates,
                                       [this](telegram::Update u) { Handle(std::move(u)); });
  webhook_path_ = WebhookPath(cfg.telegram_webhook_url);
  webhook_secret_ =
      cfg.telegram_webhook_secret.empty() ? ctx.secrets.Token(48) : cfg.telegram_webhook_secret;
}

BotRole::~BotRole() { Stop(); }

void BotRole::Handle(telegram::Update update) {
  router_->Handle(update);
  sender_->Wake();  // the replies are in the queue
}

void BotRole::AddRoutes(http::Router& router) {
  if (!webhook_mode()) return;
  telegram::WebhookOptions wo;
  wo.path = webhook_path_;
  wo.secret_token = webhook_secret_;
  wo.dispatch = [this](telegram::Update update) {
    if (!pool_->TryPost(std::move(update))) throw std::runtime_error("update handlers are busy");
  };
  telegram::AddWebhookRoute(router, std::move(wo));
}

Status BotRole::StartWebhook() {
  Status st = api_pool_.With([&](telegram::BotApi& api) -> Status {
    auto me = api.GetMe();
    if (!me.ok() && me.status().code() == StatusCode::kFailedPrecondition)
      return FailedPrecondition("Telegram rejected TG_TOKEN (" + me.status().message() +
                                "); check the token from @BotFather");
    return api.SetWebhook(ctx_.config.telegram_webhook_url, webhook_secret_,
                          {"message", "callback_query"});
  });
  if (st.ok())
    ctx_.log->Info("telegram.webhook_set",
                   {{"url", ctx_.config.telegram_webhook_url}, {"path", webhook_path_}});
  return st;
}

Status BotRole::Start() {
  if (started_) return FailedPrecondition("the bot role is already running");
  VPNHUB_RETURN_IF_ERROR(sender_->Start());
  started_ = true;
  Status st;
  if (webhook_mode()) {
    st = StartWebhook();
  } else {
    telegram::PollerOptions po;
    po.poll_timeout_sec = ctx_.config.telegram_poll_timeout_sec;
    poller_ = std::make_unique<telegram::Poller>(
        *ctx_.bot, api_options_, [this](telegram::Update u) { pool_->Post(std::move(u)); }, po,
        &ctx_.registry, ctx_.log.get());
    st = poller_->Start();
    if (st.ok() && !poller_->me().username.empty())
      ctx_.log->Info("telegram.polling", {{"bot", "@" + poller_->me().username}});
  }
  if (!st.ok()) Stop();
  return st;
}

void BotRole::Stop() {
  if (poller_) poller_->Stop();  // no new updates
  pool_->Stop();                 // finish the ones taken
  sender_->Stop();               // then stop sending
  poller_.reset();
  started_ = false;
}

void BotRole::Wake() {
  if (started_) sender_->Wake();
}

}  // namespace vpnhub::app
