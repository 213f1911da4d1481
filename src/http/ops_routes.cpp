#include "http/ops_routes.hpp"

#include <cstdio>
#include <memory>
#include <utility>

#include "metrics/registry.hpp"
#include "util/text.hpp"

namespace vpnhub::http {

void AddOpsRoutes(Router& router, OpsRoutesOptions options) {
  router.Add("GET", "/healthz", [](const Request&) {
    Response r;
    r.body = "ok\n";
    return r;
  });

  auto shared = std::make_shared<OpsRoutesOptions>(std::move(options));
  router.Add("GET", "/readyz", [shared](const Request&) {
    Response r;
    r.content_type = "application/json";
    if (!shared->ready || shared->ready()) {
      // The detail names each dependency's state (e.g. "ok; nats connected"); plain "ok" or
      // nothing is left out.
      std::string detail = shared->ready_detail ? shared->ready_detail() : std::string();
      r.body = detail.empty() || detail == "ok" || detail == "starting"
                   ? "{\"status\":\"ready\"}"
                   : "{\"status\":\"ready\",\"detail\":" + util::JsonQuote(detail) + "}";
      return r;
    }
    r.status = 503;
    std::string detail = shared->ready_detail ? shared->ready_detail() : std::string();
    r.body = "{\"status\":\"not_ready\",\"detail\":" + util::JsonQuote(detail) + "}";
    return r;
  });

  if (shared->registry) {
    router.Add("GET", "/metrics", [shared](const Request&) {
      if (shared->before_metrics_render) shared->before_metrics_render();
      Response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = shared->registry->Render();
      return r;
    });
  }
}

}  // namespace vpnhub::http
