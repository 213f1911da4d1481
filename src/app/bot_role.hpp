#pragma once
// The bot role of `vpnhub serve`: the long poller (or the webhook route), a pool of handler
// threads running the router, and the outbound sender. Everything the bot does goes through the
// core's BotService and the persistent message queue; this file only wires the parts.
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
#include "bot/membership.hpp"
#include "bot/renderer.hpp"
#include "bot/router.hpp"
#include "http/server.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/poller.hpp"
#include "telegram/sender.hpp"
#include "telegram/webhook.hpp"

namespace vpnhub::app {

// Runs updates on a fixed set of threads. Post blocks while the queue is full (the poller's
// back-pressure); TryPost refuses instead (the webhook route, which runs on an io thread).
class UpdatePool {
 public:
  UpdatePool(int threads, std::size_t capacity, std::function<void(telegram::Update)> handle);
  ~UpdatePool();  // Stop()s
  void Post(telegram::Update update);
  bool TryPost(telegram::Update update);
  // Finishes the queued updates, then joins the threads.
  void Stop();
  std::size_t depth() const;

 private:
  void Run();
  std::function<void(telegram::Update)> handle_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<telegram::Update> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// BotApi clients for threads that call Telegram now and then (callback answers, membership).
class BotApiPool {
 public:
  explicit BotApiPool(telegram::BotApiOptions options) : options_(std::move(options)) {}
  // Runs fn with a client no other thread uses meanwhile.
  template <typename Fn>
  auto With(Fn&& fn) {
    std::unique_ptr<telegram::BotApi> api = Acquire();
    auto result = fn(*api);
    Release(std::move(api));
    return result;
  }

 private:
  std::unique_ptr<telegram::BotApi> Acquire();
  void Release(std::unique_ptr<telegram::BotApi> api);
  telegram::BotApiOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<telegram::BotApi>> idle_;
};

class BotRole {
 public:
  // ctx must outlive the role; ctx.config.bot_enabled() must be true.
  explicit BotRole(Context& ctx);
  ~BotRole();  // Stop()s

  bool webhook_mode() const { return !ctx_.config.telegram_webhook_url.empty(); }
  // Webhook mode: registers the update route on the HTTP router (before the server starts).
  void AddRoutes(http::Router& router);
  // Starts the sender and the handlers, then polling (or setWebhook). kFailedPrecondition naming
  // TG_TOKEN when Telegram rejects the token; the role is then stopped again.
  Status Start();
  void Stop();
  // Messages were enqueued elsewhere (sweep, notices, the worker): send them now.
  void Wake();

 private:
  void Handle(telegram::Update update);
  Status StartWebhook();

  Context& ctx_;
  telegram::BotApiOptions api_options_;
  std::string webhook_secret_;
  std::string webhook_path_;
  BotApiPool api_pool_;
  bot::BotServiceKeyLookup lookup_;
  bot::KeyMessageRenderer renderer_;
  std::unique_ptr<bot::CachingMembershipChecker> membership_;
  std::unique_ptr<bot::Router> router_;
  std::unique_ptr<telegram::Sender> sender_;
  std::unique_ptr<UpdatePool> pool_;
  std::unique_ptr<telegram::Poller> poller_;
  bool started_ = false;
};

}  // namespace vpnhub::app
