#include "http/webhook_route.hpp"

#include <memory>
#include <utility>

namespace vpnhub::http {

void AddWebhookRoute(Router& router, WebhookRoute route) {
  auto shared = std::make_shared<const WebhookRoute>(std::move(route));
  router.Add("POST", shared->path, [shared](const Request& request) {
    return shared->receive(request.Header(shared->secret_header), request.body);
  });
}

}  // namespace vpnhub::http
