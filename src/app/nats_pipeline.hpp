#pragma once
// NATS mode (NATS_SERVERS or NATS_URL set): the connection, the task stream and consumer, the
// outbox relay and the JetStream worker of one process, wired from the configuration.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "app/context.hpp"
#include "jobs/periodic.hpp"
#include "nats/nats_client.hpp"
#include "queue/jetstream_worker.hpp"
#include "queue/task_relay.hpp"
#include "queue/task_stream.hpp"

namespace vpnhub::app {

struct NatsPipelineOptions {
  bool relay = true;   // every serve/worker process offers to relay; one leads at a time
  bool worker = true;  // the worker role
  std::string instance_id = "vpnhub";
  // Called once when the connection is closed for good (credentials refused): the process
  // cannot recover by itself and should exit so its supervisor restarts it.
  std::function<void()> on_fatal;
};

class NatsPipeline {
 public:
  // Starts connecting (in the background: NATS may come up later) and builds the parts.
  // kInvalidArgument for unusable settings (a missing creds or CA file, ...).
  static Result<std::unique_ptr<NatsPipeline>> Create(Context& ctx, NatsPipelineOptions options);
  ~NatsPipeline();

  // Starts the setup job (stream and consumer are created or updated as soon as NATS answers,
  // then the relay and the worker run), the stats job, the relay and the worker.
  void Start();
  void Stop();
  // New tasks were committed in this process: the relay looks at once.
  void WakeRelay();
  // For /readyz: (false, why) only when the connection is closed for good; otherwise true with
  // the connection's state.
  std::pair<bool, std::string> Probe() const;
  // Ok once the stream and the consumer are set up.
  bool ready() const { return set_up_.load(); }

 private:
  NatsPipeline(Context& ctx, NatsPipelineOptions options);
  void SetUpOnce();
  void RefreshStatsOnce();

  Context& ctx_;
  NatsPipelineOptions options_;
  queue::TaskStreamSettings settings_;
  std::unique_ptr<nats::NatsConnection> connection_;
  std::unique_ptr<nats::JetStream> js_;
  std::unique_ptr<queue::JetStreamTaskPublisher> publisher_;
  std::unique_ptr<queue::TaskRelay> relay_;
  std::unique_ptr<queue::JetStreamWorker> worker_;
  std::unique_ptr<jobs::PeriodicJob> setup_job_;
  std::unique_ptr<jobs::PeriodicJob> stats_job_;
  std::atomic<bool> set_up_{false};
  std::atomic<bool> started_parts_{false};
  mutable std::atomic<bool> fatal_reported_{false};
  std::atomic<std::int64_t> backlog_{-1};  // consumer's undelivered messages; -1 unknown
  metrics::Gauge* connected_ = nullptr;
  metrics::Gauge* pending_ = nullptr;
  metrics::Gauge* ack_pending_ = nullptr;
  std::mutex mu_;  // Start/Stop of the parts
};

// Connection options from the configuration.
nats::NatsOptions NatsOptionsFrom(const Config& config, const std::string& name);

}  // namespace vpnhub::app
