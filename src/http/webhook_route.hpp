#pragma once
// Routes for deliveries a remote service pushes to us: Telegram updates today, payment
// notifications next. The http layer owns the route (its path, POST only, the header that carries
// the sender's credential); the receiver gets the delivery in plain types, so the library that
// receives it (telegram, a payment provider) needs nothing of http. src/app joins the two.
#include <functional>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace vpnhub::http {

struct WebhookRoute {
  std::string path;  // an exact path, e.g. "/telegram/webhook"
  // The request header with the sender's credential (e.g. "X-Telegram-Bot-Api-Secret-Token");
  // its value goes to `receive`, "" when the request has none.
  std::string secret_header;
  // Runs on an io thread for each POST to `path`: must return at once (hand the delivery to a
  // worker). An exception escaping it becomes the server's 500.
  std::function<Response(std::string_view secret, std::string_view body)> receive;
};

// Registers POST route.path; other methods on the path get the router's 405.
void AddWebhookRoute(Router& router, WebhookRoute route);

}  // namespace vpnhub::http
