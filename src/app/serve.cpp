#include "app/serve.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "app/bot_role.hpp"
#include "app/component.hpp"
#include "app/nats_pipeline.hpp"
#include "app/payment_providers.hpp"
#include "app/payment_routes.hpp"
#include "app/shutdown_signal.hpp"
#include "app/subscription_routes.hpp"
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

// The parts of one serve process, each present when its role runs. Built (and checked) before
// any of them starts; they outlive the component list that starts and stops them.
struct ServeParts {
  std::set<Role> roles;
  std::string instance_id;
  jobs::Readiness readiness;
  std::unique_ptr<BotRole> bot;
  std::unique_ptr<NatsPipeline> nats;
  std::unique_ptr<queue::EmbeddedWorker> worker;
  std::unique_ptr<usecases::RetentionPurge> purge;
  std::unique_ptr<jobs::KeyReconcileJob> reconcile;  // scheduler role; outlives `jobs` and `health`
  std::unique_ptr<jobs::ServerHealthJob> health;  // scheduler role; outlives `jobs`, which runs it
  std::unique_ptr<usecases::CapacityWatch> capacity;  // before jobs: it uses it
  std::unique_ptr<jobs::ServiceJobs> jobs;
  // Without the bot role: the providers over HTTP (the bot role builds its own, with Stars).
  payments::PaymentProviders providers;
  std::unique_ptr<PaymentRoutes> pay_routes;  // after the server stopped: answers what is queued
  // GET /sub/<token> when SUBSCRIPTION_BASE_URL is set; the routes stop after the server.
  std::unique_ptr<subscription::Service> subscriptions;
  std::unique_ptr<SubscriptionRoutes> sub_routes;
  std::unique_ptr<http::HttpServer> server;

  const payments::PaymentProviders& offered() const { return bot ? bot->providers() : providers; }

  bool has(Role role) const { return roles.count(role) > 0; }
};

// 0, or the exit code after logging why the bot role cannot run.
int BuildBot(Context& ctx, ServeParts& parts) {
  if (!parts.has(Role::kBot)) return 0;
  if (!ctx.config.bot_enabled()) {
    if (parts.roles.size() == 1) {
      ctx.log->Error("bot.disabled", {{"error", "the bot role needs TG_TOKEN (from @BotFather)"}});
      return 2;
    }
    ctx.log->Info("bot.disabled", {{"hint",
                                    "set TG_TOKEN (from @BotFather) and ADMIN_TG_ID to run the "
                                    "Telegram bot; every other role runs without it"}});
    return 0;
  }
  BotRoleOptions bo;
  bo.instance_id = parts.instance_id;
  // A handled update may have committed tasks (a bought key): the queue looks now, with one
  // worker thread (one claim query per update). The queue is built after the bot and started
  // after both.
  bo.after_update = [&parts] {
    if (parts.worker) parts.worker->Nudge();
    if (parts.nats) parts.nats->WakeRelay();
  };
  parts.bot = std::make_unique<BotRole>(ctx, std::move(bo));
  // A second bot on one SQLite file is refused before anything else starts.
  if (Status locked = parts.bot->LockDatabase(); !locked.ok()) {
    ctx.log->Error("bot.start_failed", {{"error", locked.ToString()}});
    return 2;
  }
  if (parts.bot->webhook_mode() && !parts.has(Role::kHttp)) {
    ctx.log->Error("bot.webhook_needs_http", {{"error",
                                               "TELEGRAM_WEBHOOK_URL is set: run the bot role "
                                               "together with the http role, or unset it for "
                                               "long polling"}});
    return 2;
  }
  return 0;
}

// Without the bot role, the providers over HTTP still confirm payments (the HTTP role's webhooks)
// and answer the reconciliation job (the scheduler role): the process's billing gets them.
int BuildPayments(Context& ctx, ServeParts& parts) {
  if (parts.bot) return 0;
  auto built = ConfiguredProviders(ctx.config, nullptr, ctx.payment_http.get(), &ctx.registry);
  if (!built.ok()) {
    ctx.log->Error("billing.providers_failed", {{"error", built.status().ToString()}});
    return 2;
  }
  parts.providers = std::move(*built);
  UseCasePorts ports{*ctx.store, ctx.backends, ctx.clock, ctx.secrets, *ctx.log};
  ports.providers = ProviderMap(parts.providers);
  ctx.billing = MakeBilling(ctx.config, ports, *ctx.keys);
  return 0;
}

// The task queue: NATS when configured (a fatal connection state ends the process through
// `shutdown`), else the embedded worker with the worker role. 0 or the exit code.
int BuildQueue(Context& ctx, ServeParts& parts, ShutdownSignal& shutdown) {
  const Config& cfg = ctx.config;
  if (cfg.nats_enabled()) {
    NatsPipelineOptions no;
    no.worker = parts.has(Role::kWorker);
    no.relay = true;
    no.instance_id = parts.instance_id;
    no.on_fatal = [&shutdown] { shutdown.Request(1, "nats.closed"); };
    auto created = NatsPipeline::Create(ctx, no);
    if (!created.ok()) {
      ctx.log->Error("nats.start_failed", {{"error", created.status().ToString()}});
      return 2;
    }
    parts.nats = std::move(*created);
  } else if (parts.has(Role::kWorker)) {
    queue::EmbeddedWorkerOptions wo;
    wo.concurrency = cfg.worker_concurrency;
    wo.max_batch = cfg.worker_batch;
    wo.lease = std::chrono::seconds(cfg.task_lease_sec);
    // A batch may have queued messages (a key ready): the sender looks now.
    wo.after_batch = [&parts] {
      if (parts.bot) parts.bot->Wake();
    };
    parts.worker = std::make_unique<queue::EmbeddedWorker>(*ctx.store, *ctx.executor, ctx.clock,
                                                           *ctx.log, ctx.registry, wo);
  }
  return 0;
}

// The readiness probe in every role; sweep, order expiry, notices, statistics, retention and
// server health with the scheduler.
void BuildJobs(Context& ctx, ServeParts& parts) {
  const Config& cfg = ctx.config;
  jobs::ServiceJobsOptions jo;
  jo.sweep_interval = std::chrono::seconds(cfg.expiry_sweep_interval_sec);
  jo.run_sweep = parts.has(Role::kScheduler);
  jo.notice_interval = std::chrono::seconds(cfg.notice_interval_sec);
  jo.job_lease = std::chrono::seconds(cfg.job_lease_sec);
  jo.instance_id = parts.instance_id;
  jo.billing = ctx.billing.get();  // after BuildBot / BuildPayments, which rebuild it
  jo.reconcile_interval = std::chrono::seconds(cfg.payment_reconcile_interval_sec);
  NatsPipeline* nats = parts.nats.get();
  if (nats) jo.extra_probe = [nats] { return nats->Probe(); };
  if (cfg.retention_days > 0) {
    parts.purge = std::make_unique<usecases::RetentionPurge>(
        *ctx.store, ctx.clock, std::chrono::hours(24) * cfg.retention_days);
    jo.purge = parts.purge.get();
  }
  if (parts.has(Role::kScheduler)) {
    jobs::ServerHealthOptions ho;
    ho.timeout = std::chrono::seconds(cfg.server_check_timeout_sec);
    ho.concurrency = cfg.server_check_concurrency;
    ho.thresholds.fail = cfg.server_fail_threshold;
    ho.thresholds.recover = cfg.server_recover_threshold;
    // RECONCILE_INTERVAL_SEC=0: no reconciliation job at all (`vpnhub server reconcile` by hand).
    if (cfg.reconcile_interval_sec > 0) {
      jobs::KeyReconcileOptions ro;
      ro.interval = std::chrono::seconds(cfg.reconcile_interval_sec);
      ro.alert_threshold = cfg.reconcile_alert_threshold;
      parts.reconcile = std::make_unique<jobs::KeyReconcileJob>(
          *ctx.store, ctx.backends, ctx.clock, *ctx.log, ctx.registry, &ctx.alerts->policy(), ro);
      jo.key_reconcile = parts.reconcile.get();
      jo.key_reconcile_interval = ro.interval;
      // A server back from unhealthy is reconciled at once: a restarted ss-manager has forgotten
      // every key. (The health job runs only once the jobs, built below, have started.)
      ho.on_recovered = [&parts](Id server_id) {
        parts.reconcile->Request(server_id);
        if (parts.jobs) parts.jobs->ReconcileKeysNow();
      };
    }
    parts.health = std::make_unique<jobs::ServerHealthJob>(
        *ctx.store, ctx.backends, ctx.clock, *ctx.log, ctx.registry, &ctx.alerts->policy(), ho);
    jo.health = parts.health.get();
    parts.capacity =
        std::make_unique<usecases::CapacityWatch>(*ctx.store, &ctx.alerts->policy(), ctx.clock);
    jo.capacity = parts.capacity.get();
    jo.health_interval = std::chrono::seconds(cfg.server_check_interval_sec);
  }
  queue::EmbeddedWorker* worker = parts.worker.get();
  BotRole* bot = parts.bot.get();
  parts.jobs = std::make_unique<jobs::ServiceJobs>(
      *ctx.store, *ctx.sweep, *ctx.log, ctx.registry, parts.readiness, jo,
      [worker, bot, nats] {
        if (worker) worker->Wake();
        if (nats) nats->WakeRelay();
        if (bot) bot->Wake();
      },
      cfg.bot_enabled() ? ctx.notices.get() : nullptr);
}

// The HTTP role's server, bound now so that a taken port fails before anything starts. 0 or the
// exit code.
int BuildHttp(Context& ctx, ServeParts& parts) {
  if (!parts.has(Role::kHttp)) return 0;
  const Config& cfg = ctx.config;
  http::Router router;
  http::OpsRoutesOptions ops;
  jobs::Readiness& readiness = parts.readiness;
  ops.ready = [&readiness] { return readiness.ready(); };
  ops.ready_detail = [&readiness] { return readiness.detail(); };
  ops.registry = &ctx.registry;
  http::AddOpsRoutes(router, ops);
  if (parts.bot) parts.bot->AddRoutes(router);
  // A credited payment committed a provisioning task: the queue looks now.
  parts.pay_routes =
      std::make_unique<PaymentRoutes>(*ctx.billing, *ctx.log, ctx.registry, [&parts] {
        if (parts.worker) parts.worker->Nudge();
        if (parts.nats) parts.nats->WakeRelay();
      });
  for (const std::string& name : parts.pay_routes->AddTo(router, parts.offered())) {
    ctx.log->Info("payments.webhook_route", {{"provider", name}, {"path", "/pay/" + name}});
  }
  if (!cfg.subscription_base_url.empty()) {
    subscription::Options o;
    o.brand = cfg.name;
    o.signing_key = cfg.subscription_signing_key;
    o.cache_bytes = static_cast<std::size_t>(cfg.subscription_cache_mb) << 20;
    parts.subscriptions =
        std::make_unique<subscription::Service>(*ctx.store, ctx.backends, *ctx.log, o);
    SubscriptionRouteOptions ro;
    ro.title = cfg.name;
    ro.support_url = cfg.support_url;
    ro.update_hours = cfg.subscription_update_hours;
    parts.sub_routes =
        std::make_unique<SubscriptionRoutes>(*parts.subscriptions, ctx.registry, std::move(ro));
    parts.sub_routes->AddTo(router);
    ctx.log->Info("subscriptions.route", {{"path", "/sub/*"}});
  }
  http::ServerOptions so;
  so.host = cfg.http_host;
  so.port = cfg.http_port;
  so.threads = cfg.http_threads;
  parts.server =
      std::make_unique<http::HttpServer>(so, std::move(router), &ctx.registry, ctx.log.get());
  if (Status st = parts.server->Listen(); !st.ok()) {
    ctx.log->Error("http.start_failed",
                   {{"listen", cfg.http_host + ":" + std::to_string(cfg.http_port)},
                    {"error", st.ToString()}});
    return 1;
  }
  return 0;
}

// Start order: the queue first, the jobs that wake it next, then the bot, and the HTTP server
// last, so that it takes requests only once everything behind them runs. Stopped in reverse:
// the server stops taking requests first.
void AddComponents(ServeParts& parts, ComponentList& components) {
  if (parts.nats) components.Add(MakeComponent("nats", *parts.nats));
  if (parts.worker) components.Add(MakeComponent("worker", *parts.worker));
  components.Add(MakeComponent("jobs", *parts.jobs));
  if (parts.bot) components.Add(MakeComponent("bot", *parts.bot));
  if (parts.sub_routes) components.Add(MakeComponent("subscriptions", *parts.sub_routes));
  if (parts.server) components.Add(MakeComponent("http", *parts.server));
}

void LogStarted(Context& ctx, const ServeParts& parts) {
  const Config& cfg = ctx.config;
  ctx.log->Info(
      "service.started",
      {{"http", parts.server ? cfg.http_host + ":" + std::to_string(parts.server->port()) : "off"},
       {"scheduler", parts.has(Role::kScheduler)},
       {"worker", parts.has(Role::kWorker)},
       {"bot", !parts.bot                  ? "off"
               : parts.bot->webhook_mode() ? "webhook"
                                           : "polling"},
       {"queue", parts.nats ? "nats" : "embedded"},
       {"pid", static_cast<long>(getpid())}});
}

}  // namespace

int RunServe(Context& ctx, const std::set<Role>& roles) {
  // Before any thread starts: every thread inherits the blocked SIGINT/SIGTERM.
  auto shutdown = ShutdownSignal::Create();
  if (!shutdown.ok()) {
    ctx.log->Error("service.start_failed", {{"error", shutdown.status().ToString()}});
    return 1;
  }
  ServeParts parts;
  parts.roles = roles;
  parts.instance_id = InstanceId(ctx);
  if (int code = BuildBot(ctx, parts); code != 0) return code;
  if (int code = BuildPayments(ctx, parts); code != 0) return code;
  if (int code = BuildQueue(ctx, parts, **shutdown); code != 0) return code;
  BuildJobs(ctx, parts);
  if (int code = BuildHttp(ctx, parts); code != 0) return code;

  ComponentList components;
  AddComponents(parts, components);
  std::string failed;
  if (Status st = components.StartAll(&failed); !st.ok()) {
    ctx.log->Error(failed + ".start_failed", {{"error", st.ToString()}});
    return st.code() == StatusCode::kFailedPrecondition ? 2 : 1;
  }
  LogStarted(ctx, parts);

  const ShutdownSignal::Cause cause = (*shutdown)->Wait();
  if (cause.signal != 0) {
    ctx.log->Info("service.stopping", {{"signal", cause.signal}});
  } else {
    ctx.log->Info("service.stopping", {{"reason", cause.reason}});
  }
  components.StopAll();
  ctx.log->Info("service.stopped");
  return (*shutdown)->exit_code();
}

}  // namespace vpnhub::app
