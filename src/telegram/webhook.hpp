#pragma once
// Webhook mode: Telegram POSTs each update to our HTTP server. WebhookHandler is what that route
// runs: it checks the secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token (set with
// setWebhook's secret_token), parses the update and hands it to the same dispatcher the long
// poller uses. The route itself belongs to http (http::AddWebhookRoute); src/app joins the two,
// so that neither library includes the other.
#include <functional>
#include <string>
#include <string_view>

#include "telegram/types.hpp"

namespace vpnhub::telegram {

// The request header that carries setWebhook's secret_token.
inline constexpr std::string_view kSecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token";

// The answer to one delivery: an HTTP status and a short plain-text body.
struct WebhookReply {
  int status = 200;
  std::string body;
};

class WebhookHandler {
 public:
  // `secret_token` must be set (1-256 characters of [A-Za-z0-9_-] for Telegram); with an empty
  // one every delivery is refused, so a misconfigured webhook cannot be driven by strangers. Every
  // instance serving the webhook must use the same one (see DefaultWebhookSecret).
  // `dispatch` is called on the thread calling Handle (an HTTP io thread): it must return at once
  // (post the update to a worker pool) and throws when it cannot take the update.
  WebhookHandler(std::string secret_token, std::function<void(Update)> dispatch);

  // One delivery: `secret` is the header's value ("" when absent), `body` the request body.
  //   401  the secret is missing or wrong (compared in constant time)
  //   400  the body is not an update (no JSON, no integer update_id)
  //   200  the update was handed to dispatch (answered at once; handling happens elsewhere)
  //   503  dispatch threw (say, its pool is full): Telegram delivers the update again later
  // Thread-safe when dispatch is.
  WebhookReply Handle(std::string_view secret, std::string_view body) const;

 private:
  const std::string secret_token_;
  const std::function<void(Update)> dispatch_;
};

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
