#include "queue/jetstream_worker.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "queue/task_stream.hpp"
#include "queue/worker_batches.hpp"

namespace vpnhub::queue {
namespace {

using std::chrono::milliseconds;

milliseconds Ms(Duration d) {
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(d));
}

}  // namespace

struct JetStreamWorker::InFlight {
  std::mutex mu;  // a message is touched by its worker thread and the heartbeat
  std::vector<std::unique_ptr<nats::JsMessage>> messages;
};

JetStreamWorker::JetStreamWorker(nats::JetStream& js, ports::Store& store,
                                 usecases::TaskExecutor& executor, const ports::Clock& clock,
                                 ports::EventLog& log, metrics::Registry& registry,
                                 JetStreamWorkerOptions options)
    : js_(js),
      store_(store),
      executor_(executor),
      clock_(clock),
      log_(log),
      registry_(registry),
      options_(options),
      acked_(registry.GetCounter("vpnhub_nats_acked_total",
                                 "Task messages the worker acknowledged (task done or settled)")),
      nakked_(registry.GetCounter("vpnhub_nats_nakked_total",
                                  "Task messages the worker handed back for a later delivery")),
      redelivered_(registry.GetCounter(
          "vpnhub_nats_redelivered_total",
          "Task messages delivered more than once (retries, workers that died mid-task)")),
      released_(RegisterWorkerMetrics(registry)),
      fetch_errors_(registry.GetCounter("vpnhub_nats_fetch_errors_total",
                                        "Fetches from the task consumer that failed")) {
  for (auto kind : AllTaskKinds()) {
    registry_.GetCounter("vpnhub_tasks_dead_lettered_total",
                         "Tasks that failed for good (task row failed, admin alerted)",
                         {{"kind", TaskKindName(kind)}});
  }
}

JetStreamWorker::~JetStreamWorker() { Stop(); }

void JetStreamWorker::Start() {
  stopping_ = false;
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this, i] { Loop(i); });
  heartbeat_ = std::thread([this] { Heartbeat(); });
}

void JetStreamWorker::Stop() {
  stopping_ = true;
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  if (heartbeat_.joinable()) heartbeat_.join();
}

// Long batches: tell the stream every third of ack_wait that their messages are still being
// worked on, so it does not hand them to another worker meanwhile.
void JetStreamWorker::Heartbeat() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.lease / 3, [&] { return stopping_.load(); });
    if (stopping_) break;
    for (InFlight* batch : in_flight_) {
      std::lock_guard batch_lock(batch->mu);
      for (auto& msg : batch->messages) {
        if (msg) (void)msg->InProgress();
      }
    }
  }
}

void JetStreamWorker::AnswerUnclaimed(nats::JsMessage& msg, Id task_id, Time now) {
  Result<Task> task = NotFound("");
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    task = tx.tasks().GetTask(task_id);
    return task.ok() || task.status().code() == StatusCode::kNotFound ? Status::Ok()
                                                                      : task.status();
  });
  if (!st.ok()) {  // database trouble: try again shortly
    (void)msg.Nak(milliseconds(1000));
    nakked_.Inc();
    return;
  }
  if (!task.ok()) {
    log_.Warn("worker.unknown_task", {{"task_id", task_id}});
    (void)msg.Term();
    return;
  }
  switch (task->state) {
    case TaskState::kDone:
    case TaskState::kFailed:  // settled; a retry is published anew by the relay
      (void)msg.AckNoWait();
      acked_.Inc();
      return;
    case TaskState::kPending:
    case TaskState::kRunning:
      // Not due yet, or in another claim (a duplicate message, a CLI run): come back when it
      // may be claimable. The delay floor keeps a busy task from spinning.
      (void)msg.Nak(std::max(milliseconds(200), Ms(task->next_attempt_at - now)));
      nakked_.Inc();
      return;
  }
}

Result<int> JetStreamWorker::RunBatch(int& batch) {
  auto fetched = js_.Fetch(options_.durable, options_.subjects, batch, options_.fetch_wait);
  if (!fetched.ok()) return fetched.status();
  if (fetched->empty()) return 0;

  InFlight flight;
  flight.messages = std::move(*fetched);
  {
    std::lock_guard lock(mu_);
    in_flight_.insert(&flight);
  }
  struct Unregister {
    JetStreamWorker* self;
    InFlight* flight;
    ~Unregister() {
      std::lock_guard lock(self->mu_);
      self->in_flight_.erase(flight);
    }
  } unregister{this, &flight};

  // Which message speaks for which task; a second message for the same task (an older
  // generation, a redelivery) is answered from the row after the batch.
  std::map<Id, std::size_t> first_of;
  std::vector<std::pair<std::size_t, Id>> extra;
  for (std::size_t i = 0; i < flight.messages.size(); ++i) {
    auto& msg = *flight.messages[i];
    if (msg.delivered() > 1) redelivered_.Inc();
    auto id = ParseTaskPayload(msg.data());
    if (!id) {
      log_.Warn("worker.bad_message",
                {{"subject", std::string(msg.subject())},
                 {"stream_seq", static_cast<std::int64_t>(msg.stream_seq())}});
      std::lock_guard lock(flight.mu);
      (void)msg.Term();
      continue;
    }
    if (!first_of.emplace(*id, i).second) extra.emplace_back(i, *id);
  }
  std::vector<Id> ids;
  ids.reserve(first_of.size());
  for (const auto& [id, index] : first_of) ids.push_back(id);

  const Time now = clock_.Now();
  std::vector<Task> claimed;
  Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    auto r = tx.tasks().ClaimTasksByIds(ids, now, options_.lease);
    if (!r.ok()) return r.status();
    claimed = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) {
    // The database is unreachable: give every message back for a little later.
    log_.Warn("worker.claim_error", {{"error", st.ToString()}});
    std::lock_guard lock(flight.mu);
    for (auto& msg : flight.messages) (void)msg->Nak(milliseconds(1000));
    nakked_.Inc(static_cast<double>(flight.messages.size()));
    batch = 1;
    return static_cast<int>(flight.messages.size());
  }
  std::sort(claimed.begin(), claimed.end(),
            [&](const Task& a, const Task& b) { return first_of[a.id] < first_of[b.id]; });
  std::vector<bool> last_chance(claimed.size());
  std::set<Id> claimed_ids;
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    claimed_ids.insert(claimed[i].id);
    const auto& msg = *flight.messages[first_of[claimed[i].id]];
    last_chance[i] = options_.max_deliver > 0 &&
                     msg.delivered() >= static_cast<std::uint64_t>(options_.max_deliver);
  }
  for (const auto& [id, index] : first_of) {
    if (claimed_ids.count(id)) continue;
    std::lock_guard lock(flight.mu);
    AnswerUnclaimed(*flight.messages[index], id, now);
  }

  const auto started = std::chrono::steady_clock::now();
  auto outcomes = executor_.RunClaimedBatch(claimed, options_.lease / 3, last_chance);
  const auto took = std::chrono::steady_clock::now() - started;

  {
    std::lock_guard lock(flight.mu);
    for (std::size_t i = 0; i < claimed.size(); ++i) {
      auto& msg = *flight.messages[first_of[claimed[i].id]];
      switch (outcomes[i]) {
        case usecases::TaskOutcome::kDone:
          (void)msg.AckNoWait();
          acked_.Inc();
          break;
        case usecases::TaskOutcome::kRetryLater:
          (void)msg.Nak(Ms(executor_.policy().DelayAfter(claimed[i].attempts)));
          nakked_.Inc();
          break;
        case usecases::TaskOutcome::kFailed:
          (void)msg.Term();
          registry_
              .GetCounter("vpnhub_tasks_dead_lettered_total",
                          "Tasks that failed for good (task row failed, admin alerted)",
                          {{"kind", TaskKindName(claimed[i].kind)}})
              .Inc();
          log_.Error("task.dead_letter",
                     {{"task_id", claimed[i].id},
                      {"kind", TaskKindName(claimed[i].kind)},
                      {"deliveries", static_cast<std::int64_t>(msg.delivered())},
                      {"hint", "see `vpnhub task list --failed`; retry with `vpnhub task retry " +
                                   std::to_string(claimed[i].id) + "`"}});
          break;
        case usecases::TaskOutcome::kReleased:  // not started: deliver again at once
          (void)msg.Nak(milliseconds(0));
          nakked_.Inc();
          break;
        case usecases::TaskOutcome::kUnrecorded:
          // The row is still running under this claim: come back when its lease has ended and a
          // claim can take it again (after the last delivery the relay's redrive does).
          (void)msg.Nak(std::max(milliseconds(200), Ms(claimed[i].next_attempt_at - clock_.Now())));
          nakked_.Inc();
          break;
      }
    }
    for (const auto& [index, id] : extra)
      AnswerUnclaimed(*flight.messages[index], id, clock_.Now());
  }
  const bool released = CountOutcomes(registry_, released_, claimed, outcomes);
  const int handled = static_cast<int>(flight.messages.size());
  batch =
      NextBatchSize(batch, options_.max_batch, claimed.size(), handled == batch, took, released);
  return handled;
}

void JetStreamWorker::Loop(int) {
  int batch = 1;
  Status last_error;
  while (!stopping_) {
    auto r = RunBatch(batch);
    if (r.ok()) {
      if (!last_error.ok()) log_.Info("worker.fetch_recovered");
      last_error = Status::Ok();
      continue;
    }
    // NATS is down or the consumer is missing: libnats reconnects by itself; wait a little.
    fetch_errors_.Inc();
    if (last_error.ok() || last_error.ToString() != r.status().ToString()) {
      log_.Warn("worker.fetch_error", {{"error", r.status().ToString()}});
    }
    last_error = r.status();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, milliseconds(500), [&] { return stopping_.load(); });
  }
}

}  // namespace vpnhub::queue
