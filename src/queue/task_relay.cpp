#include "queue/task_relay.hpp"

#include <algorithm>

#include "queue/task_stream.hpp"

namespace vpnhub::queue {
namespace {

constexpr const char* kRelayJob = "nats_relay";

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TaskPublisher::Outcome JetStreamTaskPublisher::Publish(const std::vector<Task>& tasks) {
  std::vector<nats::JetStream::Outgoing> messages;
  messages.reserve(tasks.size());
  for (const Task& task : tasks) {
    messages.push_back({TaskSubject(task.kind), TaskPayload(task), TaskMessageId(task)});
  }
  // All at once, then the acks: the prefix that was acknowledged counts as published.
  const auto acks = js_.PublishBatch(messages);
  Outcome out;
  for (const auto& ack : acks) {
    if (!ack.ok()) {
      out.error = ack.status();
      break;
    }
    ++out.published;
    if (ack->duplicate) ++out.duplicates;
  }
  return out;
}

TaskRelay::TaskRelay(ports::Store& store, TaskPublisher& publisher, const ports::Clock& clock,
                     ports::EventLog& log, metrics::Registry& registry, TaskRelayOptions options,
                     std::function<std::optional<std::uint64_t>()> backlog)
    : store_(store),
      publisher_(publisher),
      clock_(clock),
      log_(log),
      options_(options),
      backlog_(std::move(backlog)),
      published_(registry.GetCounter("vpnhub_nats_published_total",
                                     "Tasks the relay published to the task stream")),
      duplicates_(registry.GetCounter(
          "vpnhub_nats_publish_duplicates_total",
          "Publishes the stream dropped as already stored (same Nats-Msg-Id): a relay repeated "
          "a round after a crash or an outage")),
      publish_errors_(registry.GetCounter("vpnhub_nats_publish_errors_total",
                                          "Relay rounds stopped by a failed publish")),
      redriven_(registry.GetCounter(
          "vpnhub_tasks_redriven_total",
          "Relayed tasks published again because the stream seemed to have lost them")),
      lag_(registry.GetGauge("vpnhub_relay_lag_seconds",
                             "Age of the oldest due task not yet published to the stream")),
      leader_(registry.GetGauge("vpnhub_job_leader", "1 when this instance runs the job",
                                {{"job", kRelayJob}})) {}

TaskRelay::~TaskRelay() { Stop(); }

void TaskRelay::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void TaskRelay::Stop() {
  stopping_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (leading_) {
    Status st = store_.Write([&](ports::StoreTx& tx) {
      return tx.coordination().ReleaseJobLease(kRelayJob, options_.instance_id);
    });
    if (!st.ok()) log_.Warn("relay.lease_release_failed", {{"error", st.ToString()}});
    leading_ = false;
    leader_.Set(0);
  }
}

void TaskRelay::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

Result<int> TaskRelay::RelayOnce() {
  const Time now = clock_.Now();
  std::vector<Task> tasks;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().ListUnrelayedTasks(now, options_.batch));
    tasks = std::move(r);
    return Status::Ok();
  }));
  if (tasks.empty()) return 0;

  const TaskPublisher::Outcome out = publisher_.Publish(tasks);
  if (out.published > 0) {
    std::vector<Id> ids;
    ids.reserve(out.published);
    for (std::size_t i = 0; i < out.published; ++i) ids.push_back(tasks[i].id);
    Status mark = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
      auto r = tx.tasks().MarkTasksRelayed(ids, clock_.Now());
      return r.ok() ? Status::Ok() : r.status();
    });
    published_.Inc(static_cast<double>(out.published - out.duplicates));
    duplicates_.Inc(static_cast<double>(out.duplicates));
    // Unmarked rows are published again next round; the stream drops them as duplicates.
    if (!mark.ok()) return mark;
  }
  if (!out.error.ok()) {
    publish_errors_.Inc();
    return out.error;
  }
  return static_cast<int>(out.published);
}

Result<int> TaskRelay::RedriveOnce() {
  if (backlog_) {
    auto pending = backlog_();
    if (!pending || *pending > 0) return 0;
  }
  const Time stale_before = clock_.Now() - options_.redrive_after;
  int moved = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r,
                            tx.tasks().RequeueStaleRelayedTasks(stale_before, options_.batch));
    moved = r;
    return Status::Ok();
  }));
  if (moved > 0) {
    redriven_.Inc(moved);
    log_.Warn("relay.redrive", {{"tasks", moved},
                                {"hint",
                                 "relayed tasks stayed open past their due time; published "
                                 "again (was the stream purged or a node's store lost?)"}});
  }
  return moved;
}

void TaskRelay::RefreshLag() {
  const Time now = clock_.Now();
  std::optional<Time> oldest;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().OldestUnrelayedDue(now));
    oldest = r;
    return Status::Ok();
  });
  if (st.ok()) lag_.Set(oldest ? std::max(0.0, Seconds(now - *oldest)) : 0.0);
}

bool TaskRelay::Lead() {
  const Time now = clock_.Now();
  if (leading_ && now - lease_renewed_ < options_.lease / 3) return true;
  bool held = false;
  Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.coordination().AcquireJobLease(
                                        kRelayJob, options_.instance_id, now, options_.lease));
    held = r;
    return Status::Ok();
  });
  if (!st.ok()) {
    log_.Warn("relay.lease_error", {{"error", st.ToString()}});
    held = false;
  }
  if (held != leading_) {
    log_.Info(held ? "relay.leading" : "relay.following", {{"instance", options_.instance_id}});
  }
  leading_ = held;
  leader_.Set(held ? 1 : 0);
  if (held) lease_renewed_ = now;
  return held;
}

void TaskRelay::Loop() {
  Duration backoff = options_.idle_poll;
  Status last_error;
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = wakeups_;
    }
    Duration wait = options_.idle_poll;
    if (!Lead()) {
      wait = options_.lease / 3;
    } else {
      auto r = RelayOnce();
      const Time now = clock_.Now();
      if (!r.ok()) {
        // NATS or the database is down: keep the rows, try again with a growing pause.
        if (last_error.ok() || last_error.ToString() != r.status().ToString()) {
          log_.Warn("relay.error", {{"error", r.status().ToString()}});
        }
        last_error = r.status();
        backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(5));
        wait = backoff;
      } else {
        if (!last_error.ok()) log_.Info("relay.recovered");
        last_error = Status::Ok();
        backoff = options_.idle_poll;
        if (now - last_lag_ >= std::chrono::seconds(1)) {
          RefreshLag();
          last_lag_ = now;
        }
        if (now - last_redrive_ >= options_.redrive_every) {
          last_redrive_ = now;
          auto moved = RedriveOnce();
          if (!moved.ok()) log_.Warn("relay.redrive_error", {{"error", moved.status().ToString()}});
        }
        if (*r > 0) continue;  // more may be waiting
      }
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace vpnhub::queue
