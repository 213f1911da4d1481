#include "queue/jetstream_worker.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "queue/task_stream.hpp"
#include "queue/worker_batches.hpp"

namespace vpnhub::queue {
using std::chrono::milliseconds;

struct JetStreamWorker::InFlight {
  std::mutex mu;  // a message is touched by its worker thread and the heartbeat
  std::vector<std::unique_ptr<nats::JsMessage>> messages;
};

// Shows a batch's messages to the heartbeat while the batch runs.
class JetStreamWorker::InFlightRegistration {
 public:
  InFlightRegistration(JetStreamWorker& worker, InFlight& flight)
      : worker_(worker), flight_(flight) {
    std::lock_guard lock(worker_.mu_);
    worker_.in_flight_.insert(&flight_);
  }
  ~InFlightRegistration() {
    std::lock_guard lock(worker_.mu_);
    worker_.in_flight_.erase(&flight_);
  }

 private:
  JetStreamWorker& worker_;
  InFlight& flight_;
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

void JetStreamWorker::Send(nats::JsMessage& msg, const Reply& reply) {
  switch (reply.kind) {
    case Reply::Kind::kAck:
      (void)msg.AckNoWait();
      acked_.Inc();
      return;
    case Reply::Kind::kNak:
      (void)msg.Nak(reply.delay);
      nakked_.Inc();
      return;
    case Reply::Kind::kTerm:
      (void)msg.Term();
      return;
  }
}

void JetStreamWorker::AnswerFromRow(nats::JsMessage& msg, Id task_id, Time now) {
  std::optional<Task> row;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    auto task = tx.tasks().GetTask(task_id);
    if (task.ok()) row = std::move(*task);
    return task.ok() || task.status().code() == StatusCode::kNotFound ? Status::Ok()
                                                                      : task.status();
  });
  if (!st.ok()) return Send(msg, ReplyAfterReadError());
  if (!row) log_.Warn("worker.unknown_task", {{"task_id", task_id}});
  Send(msg, ReplyFromRow(row, now));
}

BatchPlan JetStreamWorker::PlanMessages(InFlight& flight) {
  std::vector<std::optional<Id>> task_ids;
  task_ids.reserve(flight.messages.size());
  for (const auto& msg : flight.messages) {
    if (msg->delivered() > 1) redelivered_.Inc();
    task_ids.push_back(ParseTaskPayload(msg->data()));
  }
  BatchPlan plan = PlanBatch(task_ids);
  std::lock_guard lock(flight.mu);
  for (std::size_t index : plan.unreadable) {
    auto& msg = *flight.messages[index];
    log_.Warn("worker.bad_message", {{"subject", std::string(msg.subject())},
                                     {"stream_seq", static_cast<std::int64_t>(msg.stream_seq())}});
    Send(msg, Reply::Term());
  }
  return plan;
}

Result<std::vector<Task>> JetStreamWorker::Claim(const std::vector<Id>& ids, Time now) {
  std::vector<Task> claimed;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().ClaimTasksByIds(ids, now, options_.lease));
    claimed = std::move(r);
    return Status::Ok();
  }));
  return claimed;
}

void JetStreamWorker::AnswerUnclaimed(InFlight& flight, const BatchPlan& plan,
                                      const std::vector<Task>& claimed, Time now) {
  std::set<Id> claimed_ids;
  for (const Task& task : claimed) claimed_ids.insert(task.id);
  for (const auto& [id, index] : plan.first_of) {
    if (claimed_ids.count(id)) continue;
    std::lock_guard lock(flight.mu);
    AnswerFromRow(*flight.messages[index], id, now);
  }
}

void JetStreamWorker::AnswerOutcomes(InFlight& flight, const BatchPlan& plan,
                                     const std::vector<Task>& claimed,
                                     const std::vector<usecases::TaskOutcome>& outcomes) {
  std::lock_guard lock(flight.mu);
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    const Task& task = claimed[i];
    auto& msg = *flight.messages[plan.first_of.at(task.id)];
    Send(msg, ReplyToOutcome(outcomes[i], task, executor_.policy(), clock_.Now()));
    if (outcomes[i] == usecases::TaskOutcome::kFailed) ReportDeadLetter(task, msg.delivered());
  }
  for (const auto& [index, id] : plan.extra) {
    AnswerFromRow(*flight.messages[index], id, clock_.Now());
  }
}

void JetStreamWorker::ReportDeadLetter(const Task& task, std::uint64_t deliveries) {
  registry_
      .GetCounter("vpnhub_tasks_dead_lettered_total",
                  "Tasks that failed for good (task row failed, admin alerted)",
                  {{"kind", TaskKindName(task.kind)}})
      .Inc();
  log_.Error("task.dead_letter",
             {{"task_id", task.id},
              {"kind", TaskKindName(task.kind)},
              {"deliveries", static_cast<std::int64_t>(deliveries)},
              {"hint", "see `vpnhub task list --failed`; retry with `vpnhub task retry " +
                           std::to_string(task.id) + "`"}});
}

// Fetch, read the messages, claim their tasks, answer those not claimed, run the claimed ones,
// answer them, size the next batch. Each step is a function (the decisions in
// jetstream_batch.hpp).
Result<int> JetStreamWorker::RunBatch(int& batch) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto fetched, js_.Fetch(options_.durable, options_.subjects, batch, options_.fetch_wait));
  if (fetched.empty()) return 0;
  InFlight flight;
  flight.messages = std::move(fetched);
  const InFlightRegistration registration(*this, flight);
  const int handled = static_cast<int>(flight.messages.size());

  const BatchPlan plan = PlanMessages(flight);
  const Time now = clock_.Now();
  auto claimed = Claim(plan.task_ids(), now);
  if (!claimed.ok()) {
    // The database is unreachable: give every message back for a little later.
    log_.Warn("worker.claim_error", {{"error", claimed.status().ToString()}});
    std::lock_guard lock(flight.mu);
    for (auto& msg : flight.messages) Send(*msg, ReplyAfterReadError());
    batch = 1;
    return handled;
  }
  OrderByMessage(*claimed, plan);
  AnswerUnclaimed(flight, plan, *claimed, now);

  std::vector<std::uint64_t> delivered;
  for (const auto& msg : flight.messages) delivered.push_back(msg->delivered());
  const auto started = std::chrono::steady_clock::now();
  auto outcomes = executor_.RunClaimedBatch(
      *claimed, options_.lease / 3, LastChances(*claimed, plan, delivered, options_.max_deliver));
  const auto took = std::chrono::steady_clock::now() - started;

  AnswerOutcomes(flight, plan, *claimed, outcomes);
  const bool released = CountOutcomes(registry_, released_, *claimed, outcomes);
  batch =
      NextBatchSize(batch, options_.max_batch, claimed->size(), handled == batch, took, released);
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
