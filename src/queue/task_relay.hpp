#pragma once
// The outbox relay (NATS mode): publishes committed, due task rows to the task stream in
// creation order and marks them relayed once the stream has acknowledged them. One relay runs
// at a time among the instances sharing a database (the "nats_relay" job lease); a relay that
// dies between publish and mark is harmless: its successor publishes the same rows again under
// the same Nats-Msg-Id and the stream drops them.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "metrics/registry.hpp"
#include "nats/nats_client.hpp"

namespace vpnhub::queue {

// What the relay needs from the stream.
class TaskPublisher {
 public:
  virtual ~TaskPublisher() = default;
  // Publishes the tasks, each under TaskSubject/TaskPayload/TaskMessageId, and waits for the
  // stream's acknowledgements. Returns how many were stored (or dropped as duplicates) — the
  // acknowledged prefix of `tasks` — and the error that ended the prefix (Ok if none). Tasks
  // after that prefix may have been stored too; publishing them again is harmless.
  struct Outcome {
    std::size_t published = 0;
    std::size_t duplicates = 0;  // of those published, how many the stream already had
    Status error;
  };
  virtual Outcome Publish(const std::vector<Task>& tasks) = 0;
};

class JetStreamTaskPublisher : public TaskPublisher {
 public:
  explicit JetStreamTaskPublisher(nats::JetStream& js) : js_(js) {}
  Outcome Publish(const std::vector<Task>& tasks) override;

 private:
  nats::JetStream& js_;
};

struct TaskRelayOptions {
  std::string instance_id = "vpnhub";  // holder name for the relay's job lease
  Duration lease{std::chrono::seconds(30)};
  int batch = 256;                                    // rows per read and publish round
  Duration idle_poll{std::chrono::milliseconds(50)};  // how often an idle relay looks again
  // A relayed task still open this long after its due time (or the end of its lease) is
  // published again under a new generation: the stream lost it. Checked every redrive_every,
  // and only while the consumer has no undelivered messages (a backlog is not a loss).
  Duration redrive_after{std::chrono::minutes(10)};
  Duration redrive_every{std::chrono::seconds(30)};
};

// Thread notes: Start/Stop from one controlling thread; Wake from any thread.
class TaskRelay {
 public:
  // `backlog` (optional) tells how many messages the consumer has not delivered yet; redrives
  // wait while it is non-zero or unknown (returns nullopt).
  TaskRelay(ports::Store& store, TaskPublisher& publisher, const ports::Clock& clock,
            ports::EventLog& log, metrics::Registry& registry, TaskRelayOptions options,
            std::function<std::optional<std::uint64_t>()> backlog = nullptr);
  ~TaskRelay();

  void Start();
  void Stop();  // finishes the round in flight, hands the lease over
  void Wake();  // new tasks were committed

  // One round without the lease: reads up to `batch` due unrelayed rows, publishes them, marks
  // the published ones relayed. Returns how many were published, or the error.
  Result<int> RelayOnce();
  // Hands stale relayed tasks back (see redrive_after). Returns how many.
  Result<int> RedriveOnce();
  // Refreshes vpnhub_relay_lag_seconds from the store.
  void RefreshLag();

 private:
  void Loop();
  bool Lead();

  ports::Store& store_;
  TaskPublisher& publisher_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  TaskRelayOptions options_;
  std::function<std::optional<std::uint64_t>()> backlog_;
  metrics::Counter& published_;
  metrics::Counter& duplicates_;
  metrics::Counter& publish_errors_;
  metrics::Counter& redriven_;
  metrics::Gauge& lag_;
  metrics::Gauge& leader_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t wakeups_ = 0;
  std::atomic<bool> stopping_{false};
  bool leading_ = false;
  Time lease_renewed_{};
  Time last_redrive_{};
  Time last_lag_{};
  std::thread thread_;
};

}  // namespace vpnhub::queue
