#pragma once
// The embedded task queue: worker threads claim due outbox rows from the database, run them
// through the TaskExecutor and record the outcome. Used when no NATS is configured.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/usecases/task_executor.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::queue {

struct EmbeddedWorkerOptions {
  int concurrency = 4;  // threads, each running one batch at a time
  // Most tasks one thread claims at once; their outcomes commit together. A thread starts at 1
  // and doubles while its batches run quickly (under 25 ms per task, nothing given back),
  // halving when they do not, so a flood of quick tasks costs one commit per batch while a slow
  // VPN server holds few tasks hostage.
  int max_batch = 64;
  Duration lease{std::chrono::seconds(60)};  // a claim not finished by then is claimed again
  Duration idle_poll{std::chrono::milliseconds(500)};  // how often an idle thread looks again
  // Called on the worker thread after each batch that ran tasks, once its outcomes are committed
  // (a key made active has its messages queued then): serve wakes the sender with it, so a key
  // goes out without waiting for the sender's idle poll. Must not block.
  std::function<void()> after_batch = nullptr;
};

// Thread notes: Start/Stop from one controlling thread; Wake from any thread.
class EmbeddedWorker {
 public:
  EmbeddedWorker(ports::Store& store, usecases::TaskExecutor& executor, const ports::Clock& clock,
                 ports::EventLog& log, metrics::Registry& registry, EmbeddedWorkerOptions options);
  ~EmbeddedWorker();

  void Start();
  // Lets running batches finish, then joins the threads. A batch stops starting remote work
  // after a third of the lease, and what it did not start goes back to the queue at once.
  void Stop();
  // Tells idle threads that new tasks may be due now.
  void Wake();
  // Tells one idle thread (a few tasks may have come): each idle thread woken costs a claim
  // query, and serve calls this after every handled update.
  void Nudge();

 private:
  void Loop(int index);
  // Claims and runs one batch of at most `batch` tasks; how many it ran, and whether they were
  // quick. Adjusts `batch` for the next round.
  bool RunBatch(int& batch);

  ports::Store& store_;
  usecases::TaskExecutor& executor_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  metrics::Counter& released_;  // vpnhub_tasks_released_total
  EmbeddedWorkerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t wakeups_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace vpnhub::queue
