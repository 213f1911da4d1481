#pragma once
// The bot role of `vpnhub serve`: the long poller (or the webhook route), a pool of handler
// threads running the router, and the outbound sender. Everything the bot does goes through the
// core's BotService and the persistent message queue; this file only wires the parts.
//
// Several instances (on one PostgreSQL) may run the bot role. The one holding the
// "telegram_bot" job lease polls Telegram (or registers the webhook) and runs the sender, so
// that one poller uses the token and the send rate (TELEGRAM_RATE_PER_SEC) is the bot's, not a
// process's; when it dies another takes over within JOB_LEASE_SEC. In webhook mode every
// instance with the http role takes deliveries (one secret for all, see DefaultWebhookSecret),
// and their replies are sent by the lease holder. On a SQLite file only one `vpnhub serve` with
// the bot role may run: a second is refused (LockDatabase).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/context.hpp"
#include "app/file_lock.hpp"
#include "app/work_pool.hpp"
#include "bot/membership.hpp"
#include "bot/renderer.hpp"
#include "bot/router.hpp"
#include "http/server.hpp"
#include "jobs/leadership.hpp"
#include "payments/factory.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/bot_api_pool.hpp"
#include "telegram/poller.hpp"
#include "telegram/sender.hpp"
#include "telegram/webhook.hpp"

namespace vpnhub::app {

// Runs updates on a fixed set of threads (Post: the poller, TryPost: the webhook route).
using UpdatePool = WorkPool<telegram::Update>;

// The handler threads of the bot: updates Telegram waits on (telegram::IsUrgent: a
// pre_checkout_query, answered within 10 s) run on threads of their own, so they never queue
// behind messages and button presses however many are waiting; everything else on the main pool.
// Post and TryPost as UpdatePool's, on the lane the update belongs to. Thread-safe.
class UpdateLanes {
 public:
  UpdateLanes(int threads, std::size_t capacity, int urgent_threads, std::size_t urgent_capacity,
              const std::function<void(telegram::Update)>& handle)
      : main_(threads, capacity, handle), urgent_(urgent_threads, urgent_capacity, handle) {}
  void Post(telegram::Update update) {
    if (telegram::IsUrgent(update)) {
      urgent_.Post(std::move(update));
    } else {
      main_.Post(std::move(update));
    }
  }
  bool TryPost(telegram::Update update) {
    return telegram::IsUrgent(update) ? urgent_.TryPost(std::move(update))
                                      : main_.TryPost(std::move(update));
  }
  // Finishes what both lanes hold, then joins their threads.
  void Stop() {
    urgent_.Stop();
    main_.Stop();
  }
  std::size_t depth() const { return main_.depth(); }

 private:
  UpdatePool main_;
  UpdatePool urgent_;
};

struct BotRoleOptions {
  // This process among the instances sharing the database (the lease holder's name); empty =
  // one made up from the host name, pid and a random suffix.
  std::string instance_id;
  // Called after each update is handled, once what it committed is in the database (a paid order
  // credited with its provisioning task): serve wakes the task queue with it, so the key is made
  // without waiting for the worker's idle poll. Must not block.
  std::function<void()> after_update = nullptr;
  // The per-person limit on inbound updates (bot::Router's flood guard). serve keeps the default;
  // bench/bot_flood_bench turns it off (per_sec <= 0) to measure what it saves.
  bot::FloodGuardOptions flood;
};

class BotRole {
 public:
  // ctx must outlive the role; ctx.config.bot_enabled() must be true.
  explicit BotRole(Context& ctx, BotRoleOptions options = {});
  ~BotRole();  // Stop()s

  bool webhook_mode() const { return !ctx_.config.telegram_webhook_url.empty(); }
  // The payment providers this bot sells through (Stars and the providers over HTTP).
  const payments::PaymentProviders& providers() const { return providers_; }
  // On a SQLite file: takes the lock `<database file>.bot.lock` for the life of the role, so that
  // a second `vpnhub serve` with the bot role on the same file is refused instead of running a
  // second poller (kFailedPrecondition naming the other process's pid). Nothing to do on
  // PostgreSQL (the lease arbitrates) or :memory:. Start calls it; call it earlier to refuse
  // before anything else starts. Safe to call twice.
  Status LockDatabase();
  // Webhook mode: mounts telegram::WebhookHandler on the HTTP router as a webhook route at the
  // path of TELEGRAM_WEBHOOK_URL (before the server starts).
  void AddRoutes(http::Router& router);
  // Checks the token (getMe), registers the command menus (setMyCommands; a refusal is logged,
  // never fatal), starts the handlers, then competes for the lease: when this instance gets it
  // (at once when alone) it starts the sender and polling (or setWebhook).
  // kFailedPrecondition naming TG_TOKEN when Telegram rejects the token, or from LockDatabase;
  // the role is then stopped again. Another instance holding the lease is not an error: this one
  // waits to take over.
  Status Start();
  void Stop();
  // Messages were enqueued elsewhere (sweep, notices, the worker): send them now (when this
  // instance runs the sender; the holder's sender finds them within its idle poll otherwise).
  void Wake();
  // True while this instance holds the lease (polls and sends).
  bool leading() const { return leadership_ != nullptr && leadership_->leading(); }

 private:
  void Handle(telegram::Update update);
  // The payment providers this configuration offers (the others logged with the reason), and
  // ctx.billing rebuilt over them.
  void BuildProviders();
  // getMe: true when Telegram answered, false when it could not be reached (logged);
  // kFailedPrecondition when it rejected the token.
  Result<bool> CheckToken();
  // setMyCommands for every menu of bot::CommandMenus (the default scope and each admin's chat,
  // in English and Russian). A refusal is logged (telegram.commands_not_set) and the rest go on;
  // a retryable failure stops the round until the next start.
  void RegisterCommands();
  // The lease's callbacks: start polling (or setWebhook) and sending; stop them.
  Status Lead();
  void StepDown();
  Status StartWebhook();
  // The bot's username for invite links: the one getMe gave at Start, else asked now (cached
  // once known); empty while Telegram cannot be reached. Any thread.
  std::string BotUsername();

  Context& ctx_;
  BotRoleOptions role_options_;
  telegram::BotApiOptions api_options_;
  std::string webhook_secret_;
  std::string webhook_path_;
  telegram::BotApiPool api_pool_;
  // Built once over api_pool_; ctx.billing is rebuilt over them (see the constructor).
  payments::PaymentProviders providers_;
  bot::BotServiceKeyLookup lookup_;
  bot::KeyMessageRenderer renderer_;
  std::unique_ptr<bot::CachingMembershipChecker> membership_;
  std::unique_ptr<bot::Router> router_;
  std::unique_ptr<telegram::Sender> sender_;
  // Shared with the poller's dispatcher, which may still be posting when a Stop gave up on it.
  std::shared_ptr<UpdateLanes> pool_;
  std::unique_ptr<telegram::Poller> poller_;  // while leading in polling mode
  std::unique_ptr<jobs::Leadership> leadership_;
  FileLock database_lock_;
  std::mutex username_mu_;
  std::string bot_username_;  // guarded by username_mu_
  bool started_ = false;
};

}  // namespace vpnhub::app
