#pragma once
// The NATS worker: threads fetch task messages from the durable pull consumer in batches, claim
// the tasks in the database (the row is the truth; the message only says "look at task N"),
// run them through the TaskExecutor and answer the stream:
//   done -> ack; retryable error -> nak with the retry policy's growing delay; failed for good
//   (permanent error, attempts used up, or the message's last delivery) -> term: the task is a
//   dead letter (task row failed, admin alert, `vpnhub task retry ID` brings it back).
// A message whose task is not claimable is answered from the row: done/failed -> ack, busy in
// another claim or not due yet -> nak until then, unknown -> term. While a batch runs, its
// messages get InProgress so the stream does not redeliver them; a worker killed mid-batch
// leaves them unacked and the stream redelivers them after ack_wait to another worker, which
// claims them once the database lease has run out. Running a task twice does no harm.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/task_executor.hpp"
#include "metrics/registry.hpp"
#include "nats/nats_client.hpp"
#include "queue/jetstream_batch.hpp"

namespace vpnhub::queue {

struct JetStreamWorkerOptions {
  int concurrency = 4;  // threads, each fetching and running one batch at a time
  int max_batch = 64;   // as EmbeddedWorkerOptions::max_batch: grows from 1 while tasks are quick
  Duration lease{std::chrono::seconds(60)};  // database claim lease; the consumer's ack_wait
  int max_deliver = 10;                      // the consumer's; the last delivery dead-letters
  std::string durable = "vpnhub-worker";
  std::string subjects = "vpnhub.tasks.>";
  std::chrono::milliseconds fetch_wait{1000};  // how long an idle fetch waits for messages
};

// Thread notes: Start/Stop from one controlling thread.
class JetStreamWorker {
 public:
  JetStreamWorker(nats::JetStream& js, ports::Store& store, usecases::TaskExecutor& executor,
                  const ports::Clock& clock, ports::EventLog& log, metrics::Registry& registry,
                  JetStreamWorkerOptions options);
  ~JetStreamWorker();

  void Start();
  // Lets running batches finish and answers their messages, then joins the threads.
  void Stop();

  // One fetch-claim-run-answer round with up to `batch` messages; how many messages it handled.
  // Public for tests.
  Result<int> RunBatch(int& batch);

 private:
  struct InFlight;  // one batch's messages, kept alive for the heartbeat
  class InFlightRegistration;

  void Loop(int index);
  void Heartbeat();
  // The steps of RunBatch. Reads each message's task id and terms those that name none.
  BatchPlan PlanMessages(InFlight& flight);
  // Claims the tasks in one transaction (kUnavailable & co when the database is unreachable).
  Result<std::vector<Task>> Claim(const std::vector<Id>& ids, Time now);
  // Answers the messages of the planned tasks that were not claimed, from their rows.
  void AnswerUnclaimed(InFlight& flight, const BatchPlan& plan, const std::vector<Task>& claimed,
                       Time now);
  // Answers the messages of the claimed tasks from their outcomes, then the extra messages.
  void AnswerOutcomes(InFlight& flight, const BatchPlan& plan, const std::vector<Task>& claimed,
                      const std::vector<usecases::TaskOutcome>& outcomes);
  // Answers a message whose task this worker could not claim, from the task row.
  void AnswerFromRow(nats::JsMessage& msg, Id task_id, Time now);
  void ReportDeadLetter(const Task& task, std::uint64_t deliveries);
  // Sends the reply, counting acks and naks.
  void Send(nats::JsMessage& msg, const Reply& reply);

  nats::JetStream& js_;
  ports::Store& store_;
  usecases::TaskExecutor& executor_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  JetStreamWorkerOptions options_;
  metrics::Counter& acked_;
  metrics::Counter& nakked_;
  metrics::Counter& redelivered_;
  metrics::Counter& released_;
  metrics::Counter& fetch_errors_;

  std::mutex mu_;  // guards in_flight_ and the heartbeat's wait
  std::condition_variable cv_;
  std::set<InFlight*> in_flight_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::thread heartbeat_;
};

}  // namespace vpnhub::queue
