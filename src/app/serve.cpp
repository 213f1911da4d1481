#include "app/serve.hpp"

#include <csignal>
#include <memory>
#include <sstream>

#include "http/ops_routes.hpp"
#include "http/server.hpp"
#include "jobs/service_jobs.hpp"
#include "queue/embedded_worker.hpp"

namespace vpnhub::app {

Result<std::set<Role>> ParseRoles(const std::string& csv) {
  std::set<Role> roles;
  std::stringstream in(csv);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    if (item == "http")
      roles.insert(Role::kHttp);
    else if (item == "scheduler")
      roles.insert(Role::kScheduler);
    else if (item == "worker")
      roles.insert(Role::kWorker);
    else
      return InvalidArgument("unknown role '" + item + "' (expected http, scheduler, worker)");
  }
  if (roles.empty()) return InvalidArgument("no role given (expected http, scheduler, worker)");
  return roles;
}

int RunServe(Context& ctx, const std::set<Role>& roles) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const Config& cfg = ctx.config;
  jobs::Readiness readiness;

  std::unique_ptr<queue::EmbeddedWorker> worker;
  if (roles.count(Role::kWorker)) {
    queue::EmbeddedWorkerOptions wo;
    wo.concurrency = cfg.worker_concurrency;
    wo.lease = std::chrono::seconds(cfg.task_lease_sec);
    worker = std::make_unique<queue::EmbeddedWorker>(*ctx.store, *ctx.executor, ctx.clock, *ctx.log,
                                                     ctx.registry, wo);
  }

  jobs::ServiceJobsOptions jo;
  jo.sweep_interval = std::chrono::seconds(cfg.expiry_sweep_interval_sec);
  jo.run_sweep = roles.count(Role::kScheduler) > 0;
  jobs::ServiceJobs service_jobs(*ctx.store, *ctx.sweep, *ctx.log, ctx.registry, readiness, jo,
                                 [&worker] {
                                   if (worker) worker->Wake();
                                 });

  std::unique_ptr<http::HttpServer> server;
  if (roles.count(Role::kHttp)) {
    http::Router router;
    http::OpsRoutesOptions ops;
    ops.ready = [&readiness] { return readiness.ready(); };
    ops.ready_detail = [&readiness] { return readiness.detail(); };
    ops.registry = &ctx.registry;
    http::AddOpsRoutes(router, ops);
    http::ServerOptions so;
    so.host = cfg.http_host;
    so.port = cfg.http_port;
    so.threads = cfg.http_threads;
    server =
        std::make_unique<http::HttpServer>(so, std::move(router), &ctx.registry, ctx.log.get());
    Status st = server->Start();
    if (!st.ok()) {
      ctx.log->Error("http.start_failed",
                     {{"listen", cfg.http_host + ":" + std::to_string(cfg.http_port)},
                      {"error", st.ToString()}});
      return 1;
    }
  }

  service_jobs.Start();
  if (worker) worker->Start();
  ctx.log->Info("service.started",
                {{"http", server ? cfg.http_host + ":" + std::to_string(server->port()) : "off"},
                 {"scheduler", roles.count(Role::kScheduler) > 0},
                 {"worker", roles.count(Role::kWorker) > 0},
                 {"queue", cfg.nats_servers.empty() ? "embedded" : "embedded (NATS not built yet)"},
                 {"pid", static_cast<long>(getpid())}});

  int sig = 0;
  sigwait(&signals, &sig);
  ctx.log->Info("service.stopping", {{"signal", sig}});
  if (server) server->Stop();
  service_jobs.Stop();
  if (worker) worker->Stop();
  ctx.log->Info("service.stopped");
  return 0;
}

}  // namespace vpnhub::app
