#include "app/serve.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <sstream>

#include "app/bot_role.hpp"
#include "app/nats_pipeline.hpp"
#include "core/usecases/retention.hpp"
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
    else if (item == "bot")
      roles.insert(Role::kBot);
    else
      return InvalidArgument("unknown role '" + item + "' (expected http, scheduler, worker, bot)");
  }
  if (roles.empty())
    return InvalidArgument("no role given (expected http, scheduler, worker, bot)");
  return roles;
}

namespace {

// Names this process among the instances sharing the database: host:pid:random.
std::string InstanceId(Context& ctx) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + ctx.secrets.Token(6);
}

}  // namespace

int RunServe(Context& ctx, const std::set<Role>& roles) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const Config& cfg = ctx.config;
  jobs::Readiness readiness;
  const std::string instance_id = InstanceId(ctx);

  std::unique_ptr<BotRole> bot;
  if (roles.count(Role::kBot)) {
    if (!cfg.bot_enabled()) {
      if (roles.size() == 1) {
        ctx.log->Error("bot.disabled",
                       {{"error", "the bot role needs TG_TOKEN (from @BotFather)"}});
        return 2;
      }
      ctx.log->Info("bot.disabled", {{"hint",
                                      "set TG_TOKEN (from @BotFather) and ADMIN_TG_ID to run the "
                                      "Telegram bot; every other role runs without it"}});
    } else {
      bot = std::make_unique<BotRole>(ctx, BotRoleOptions{instance_id});
      // A second bot on one SQLite file is refused before anything else starts.
      if (Status locked = bot->LockDatabase(); !locked.ok()) {
        ctx.log->Error("bot.start_failed", {{"error", locked.ToString()}});
        return 2;
      }
      if (bot->webhook_mode() && !roles.count(Role::kHttp)) {
        ctx.log->Error("bot.webhook_needs_http",
                       {{"error",
                         "TELEGRAM_WEBHOOK_URL is set: run the bot role together with "
                         "the http role, or unset it for long polling"}});
        return 2;
      }
    }
  }

  static std::atomic<bool> nats_fatal{false};
  nats_fatal = false;
  std::unique_ptr<NatsPipeline> nats;
  if (cfg.nats_enabled()) {
    NatsPipelineOptions no;
    no.worker = roles.count(Role::kWorker) > 0;
    no.relay = true;
    no.instance_id = instance_id;
    no.on_fatal = [] {
      nats_fatal = true;
      kill(getpid(), SIGTERM);
    };
    auto created = NatsPipeline::Create(ctx, no);
    if (!created.ok()) {
      ctx.log->Error("nats.start_failed", {{"error", created.status().ToString()}});
      return 2;
    }
    nats = std::move(*created);
  }

  std::unique_ptr<queue::EmbeddedWorker> worker;
  if (roles.count(Role::kWorker) && !nats) {
    queue::EmbeddedWorkerOptions wo;
    wo.concurrency = cfg.worker_concurrency;
    wo.max_batch = cfg.worker_batch;
    wo.lease = std::chrono::seconds(cfg.task_lease_sec);
    worker = std::make_unique<queue::EmbeddedWorker>(*ctx.store, *ctx.executor, ctx.clock, *ctx.log,
                                                     ctx.registry, wo);
  }

  jobs::ServiceJobsOptions jo;
  jo.sweep_interval = std::chrono::seconds(cfg.expiry_sweep_interval_sec);
  jo.run_sweep = roles.count(Role::kScheduler) > 0;
  jo.notice_interval = std::chrono::seconds(cfg.notice_interval_sec);
  jo.job_lease = std::chrono::seconds(cfg.job_lease_sec);
  jo.instance_id = instance_id;
  if (nats) jo.extra_probe = [&nats] { return nats->Probe(); };
  std::unique_ptr<usecases::RetentionPurge> purge;
  if (cfg.retention_days > 0) {
    purge = std::make_unique<usecases::RetentionPurge>(*ctx.store, ctx.clock,
                                                       std::chrono::hours(24) * cfg.retention_days);
    jo.purge = purge.get();
  }
  jobs::ServiceJobs service_jobs(
      *ctx.store, *ctx.sweep, *ctx.log, ctx.registry, readiness, jo,
      [&worker, &bot, &nats] {
        if (worker) worker->Wake();
        if (nats) nats->WakeRelay();
        if (bot) bot->Wake();
      },
      cfg.bot_enabled() ? ctx.notices.get() : nullptr);

  std::unique_ptr<http::HttpServer> server;
  if (roles.count(Role::kHttp)) {
    http::Router router;
    http::OpsRoutesOptions ops;
    ops.ready = [&readiness] { return readiness.ready(); };
    ops.ready_detail = [&readiness] { return readiness.detail(); };
    ops.registry = &ctx.registry;
    http::AddOpsRoutes(router, ops);
    if (bot) bot->AddRoutes(router);
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
  if (nats) nats->Start();
  if (bot) {
    Status st = bot->Start();
    if (!st.ok()) {
      ctx.log->Error("bot.start_failed", {{"error", st.ToString()}});
      if (server) server->Stop();
      service_jobs.Stop();
      if (worker) worker->Stop();
      if (nats) nats->Stop();
      return st.code() == StatusCode::kFailedPrecondition ? 2 : 1;
    }
  }
  ctx.log->Info("service.started",
                {{"http", server ? cfg.http_host + ":" + std::to_string(server->port()) : "off"},
                 {"scheduler", roles.count(Role::kScheduler) > 0},
                 {"worker", roles.count(Role::kWorker) > 0},
                 {"bot", !bot                  ? "off"
                         : bot->webhook_mode() ? "webhook"
                                               : "polling"},
                 {"queue", nats ? "nats" : "embedded"},
                 {"pid", static_cast<long>(getpid())}});

  int sig = 0;
  sigwait(&signals, &sig);
  ctx.log->Info("service.stopping", {{"signal", sig}});
  if (server) server->Stop();
  if (bot) bot->Stop();
  service_jobs.Stop();
  if (worker) worker->Stop();
  if (nats) nats->Stop();
  ctx.log->Info("service.stopped");
  return nats_fatal ? 1 : 0;
}

}  // namespace vpnhub::app
