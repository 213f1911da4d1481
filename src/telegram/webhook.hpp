#pragma once
// Webhook mode: Telegram POSTs each update to our HTTP server. The route checks the secret
// token Telegram sends in X-Telegram-Bot-Api-Secret-Token (set with setWebhook's secret_token),
// parses the update and hands it to the same dispatcher the long poller uses.
#include <functional>
#include <string>
#include <string_view>

#include "http/server.hpp"
#include "telegram/types.hpp"

namespace vpnhub::telegram {

struct WebhookOptions {
  std::string path = "/telegram/webhook";
  // Must be set (1-256 characters of [A-Za-z0-9_-] for Telegram); with an empty secret every
  // request is refused, so a misconfigured webhook cannot be driven by strangers. Every instance
  // serving the webhook must use the same one (see DefaultWebhookSecret).
  std::string secret_token;
  // Called on the HTTP io thread: must return at once (post the update to a worker pool).
  std::function<void(Update)> dispatch;
};

// Registers POST options.path on `router`:
//   401  the secret header is missing or wrong (compared in constant time)
//   400  the body is not an update (no JSON, no integer update_id)
//   200  the update was handed to dispatch (answered at once; handling happens elsewhere)
//   503  dispatch threw (say, its pool is full): Telegram delivers the update again later
// Other methods on the path get the router's 405.
void AddWebhookRoute(http::Router& router, WebhookOptions options);

// True when `given` equals `expected`, in time that depends only on the lengths. An empty
// `expected` matches nothing.
bool SecretTokenMatches(std::string_view given, std::string_view expected);

// The secret_token used when TELEGRAM_WEBHOOK_SECRET is empty: HMAC-SHA256 keyed with the bot
// token over "vpnhub-webhook", as 64 lowercase hex digits (within Telegram's 1-256 characters of
// [A-Za-z0-9_-]). Every instance with the same token derives the same secret, so each accepts
// the deliveries Telegram sends after any of them called setWebhook; only someone who knows the
// token (and so controls the bot anyway) can compute it.
std::string DefaultWebhookSecret(std::string_view bot_token);

}  // namespace vpnhub::telegram
