#pragma once
// Operational routes: liveness, readiness and Prometheus metrics.
#include <functional>
#include <string>

#include "http/server.hpp"
#include "metrics/fwd.hpp"

namespace vpnhub::http {

struct OpsRoutesOptions {
  // Readiness. Runs on an io thread for every /readyz: read a cached flag, never do I/O.
  // Unset = always ready.
  std::function<bool()> ready;
  // Why the process is not ready (shown in the 503 body); optional, same rules as `ready`.
  std::function<std::string()> ready_detail;
  // /metrics is registered only when set. Must outlive the server.
  metrics::Registry* registry = nullptr;
  // Called before each /metrics render (e.g. to refresh gauges); must not block.
  std::function<void()> before_metrics_render;
};

// GET /healthz  -> 200 "ok\n"
// GET /readyz   -> 200 {"status":"ready"} or 503 {"status":"not_ready","detail":"..."}
// GET /metrics  -> the registry in the Prometheus text format 0.0.4
// (HEAD works for each.)
void AddOpsRoutes(Router& router, OpsRoutesOptions options);

}  // namespace vpnhub::http
