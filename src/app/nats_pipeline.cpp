#include "app/nats_pipeline.hpp"

namespace vpnhub::app {

nats::NatsOptions NatsOptionsFrom(const Config& config, const std::string& name) {
  nats::NatsOptions o;
  o.servers = config.nats_servers;
  o.user = config.nats_user;
  o.password = config.nats_password;
  o.token = config.nats_token;
  o.creds_file = config.nats_creds;
  o.tls_ca = config.nats_tls_ca;
  o.name = name;
  return o;
}

NatsPipeline::NatsPipeline(Context& ctx, NatsPipelineOptions options)
    : ctx_(ctx), options_(std::move(options)) {
  const Config& cfg = ctx.config;
  settings_.stream = cfg.nats_stream;
  settings_.replicas = cfg.nats_stream_replicas;
  settings_.duplicate_window = std::chrono::seconds(cfg.nats_duplicate_window_sec);
  settings_.ack_wait = std::chrono::seconds(cfg.task_lease_sec);
  settings_.max_attempts = cfg.task_max_attempts;
  connected_ = &ctx.registry.GetGauge("vpnhub_nats_connected",
                                      "1 while the NATS connection is up, 0 otherwise");
  pending_ = &ctx.registry.GetGauge("vpnhub_nats_consumer_pending",
                                    "Task messages in the stream not yet delivered to a worker");
  ack_pending_ = &ctx.registry.GetGauge(
      "vpnhub_nats_consumer_ack_pending",
      "Task messages delivered and not yet acknowledged (running, or waiting for a retry)");
}

Result<std::unique_ptr<NatsPipeline>> NatsPipeline::Create(Context& ctx,
                                                           NatsPipelineOptions options) {
  std::unique_ptr<NatsPipeline> p(new NatsPipeline(ctx, std::move(options)));
  metrics::Gauge* connected = p->connected_;
  ports::EventLog* log = ctx.log.get();
  VPNHUB_ASSIGN_OR_RETURN(auto conn,
                          nats::NatsConnection::Connect(
                              NatsOptionsFrom(ctx.config, "vpnhub " + p->options_.instance_id),
                              [connected, log](bool up) {
                                connected->Set(up ? 1 : 0);
                                if (up) {
                                  log->Info("nats.connected");
                                } else {
                                  log->Warn("nats.disconnected",
                                            {{"hint", "reconnecting; tasks wait in the database"}});
                                }
                              }));
  p->connection_ = std::move(conn);
  p->connected_->Set(p->connection_->Connected() ? 1 : 0);
  VPNHUB_ASSIGN_OR_RETURN(auto js, nats::JetStream::Create(*p->connection_));
  p->js_ = std::move(js);
  p->publisher_ = std::make_unique<queue::JetStreamTaskPublisher>(*p->js_);
  const Config& cfg = ctx.config;
  if (p->options_.relay) {
    queue::TaskRelayOptions ro;
    ro.instance_id = p->options_.instance_id;
    ro.lease = std::chrono::seconds(cfg.job_lease_sec);
    ro.redrive_after =
        std::max<Duration>(std::chrono::minutes(10), 4 * std::chrono::seconds(cfg.task_lease_sec));
    NatsPipeline* self = p.get();
    p->relay_ = std::make_unique<queue::TaskRelay>(*ctx.store, *p->publisher_, ctx.clock, *ctx.log,
                                                   ctx.registry, ro,
                                                   [self]() -> std::optional<std::uint64_t> {
                                                     const std::int64_t n = self->backlog_.load();
                                                     if (n < 0) return std::nullopt;
                                                     return static_cast<std::uint64_t>(n);
                                                   });
  }
  if (p->options_.worker) {
    queue::JetStreamWorkerOptions wo;
    wo.concurrency = cfg.worker_concurrency;
    wo.max_batch = cfg.worker_batch;
    wo.lease = std::chrono::seconds(cfg.task_lease_sec);
    wo.max_deliver = queue::MakeConsumerConfig(p->settings_).max_deliver;
    wo.durable = std::string(queue::kWorkerDurable);
    wo.subjects = std::string(queue::kTaskSubjects);
    p->worker_ = std::make_unique<queue::JetStreamWorker>(*p->js_, *ctx.store, *ctx.executor,
                                                          ctx.clock, *ctx.log, ctx.registry, wo);
  }
  return p;
}

NatsPipeline::~NatsPipeline() {
  Stop();
  // Closing is ours: no "disconnected" warning for it.
  if (connection_) connection_->SetStateCallback(nullptr);
  // The parts use the JetStream context and the connection: drop them first.
  worker_.reset();
  relay_.reset();
  publisher_.reset();
  js_.reset();
  connection_.reset();
}

void NatsPipeline::SetUpOnce() {
  if (set_up_) return;
  if (!connection_->Connected()) return;
  const auto cc = queue::MakeConsumerConfig(settings_);
  Status st = js_->EnsureStream(queue::MakeStreamConfig(settings_));
  if (st.ok()) st = js_->EnsureConsumer(cc);
  if (!st.ok()) {
    ctx_.log->Warn("nats.setup_failed", {{"stream", settings_.stream}, {"error", st.ToString()}});
    return;
  }
  ctx_.log->Info("nats.ready",
                 {{"stream", settings_.stream},
                  {"replicas", settings_.replicas},
                  {"consumer", cc.durable},
                  {"ack_wait_sec", static_cast<std::int64_t>(settings_.ack_wait.count())},
                  {"max_deliver", cc.max_deliver}});
  set_up_ = true;
  std::lock_guard lock(mu_);
  if (!started_parts_) {
    started_parts_ = true;
    if (relay_) relay_->Start();
    if (worker_) worker_->Start();
  }
}

void NatsPipeline::RefreshStatsOnce() {
  if (!set_up_) return;
  auto state = js_->GetConsumerState(settings_.stream, std::string(queue::kWorkerDurable));
  if (!state.ok()) {
    backlog_ = -1;
    return;
  }
  pending_->Set(static_cast<double>(state->num_pending));
  ack_pending_->Set(static_cast<double>(state->num_ack_pending));
  backlog_ = static_cast<std::int64_t>(state->num_pending);
}

void NatsPipeline::Start() {
  setup_job_ = std::make_unique<jobs::PeriodicJob>("nats_setup", std::chrono::seconds(1),
                                                   [this] { SetUpOnce(); });
  stats_job_ = std::make_unique<jobs::PeriodicJob>("nats_stats", std::chrono::seconds(5),
                                                   [this] { RefreshStatsOnce(); });
  setup_job_->Start();
  stats_job_->Start();
}

void NatsPipeline::Stop() {
  if (setup_job_) setup_job_->Stop();
  if (stats_job_) stats_job_->Stop();
  std::lock_guard lock(mu_);
  if (started_parts_) {
    if (relay_) relay_->Stop();
    if (worker_) worker_->Stop();
    started_parts_ = false;
  }
}

void NatsPipeline::WakeRelay() {
  if (relay_) relay_->Wake();
}

std::pair<bool, std::string> NatsPipeline::Probe() const {
  const std::string state = connection_->State();
  if (state == "closed") {
    if (!fatal_reported_.exchange(true)) {
      ctx_.log->Error("nats.closed",
                      {{"error", connection_->LastError()},
                       {"hint",
                        "the NATS connection was closed for good (credentials refused?); check "
                        "NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS; the process exits"}});
      if (options_.on_fatal) options_.on_fatal();
    }
    return {false, "nats: closed (" + connection_->LastError() + ")"};
  }
  std::string detail = "nats " + state;
  if (state == "connected" && !set_up_) detail += ", setting up stream " + settings_.stream;
  return {true, detail};
}

}  // namespace vpnhub::app
