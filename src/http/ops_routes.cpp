#include "http/ops_routes.hpp"

#include <cstdio>
#include <memory>
#include <utility>

#include "metrics/registry.hpp"

namespace vpnhub::http {

std::string JsonQuote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

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
      r.body = "{\"status\":\"ready\"}";
      return r;
    }
    r.status = 503;
    std::string detail = shared->ready_detail ? shared->ready_detail() : std::string();
    r.body = "{\"status\":\"not_ready\",\"detail\":" + JsonQuote(detail) + "}";
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
