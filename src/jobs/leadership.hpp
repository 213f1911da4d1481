#pragma once
// One instance at a time does a job that must not run twice (the Telegram poller and sender):
// the one holding the job's lease (CoordinationStore::AcquireJobLease). Leadership takes the lease
// when it is free, renews it while it holds it, and calls on_gain / on_loss as that changes.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "jobs/periodic.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {

struct LeadershipOptions {
  std::string job;                         // the lease's name, e.g. "telegram_bot"
  std::string holder;                      // this instance, unique among those sharing the database
  Duration ttl{std::chrono::seconds(30)};  // a dead holder's lease frees up this long after
  // How often the lease is taken or renewed; at most ttl / 3 (lowered to that otherwise).
  Duration renew_every{std::chrono::seconds(10)};
  // The caller knows that no other live process can hold the lease (it holds an exclusive lock
  // on the database file): a lease held under another name was left by a dead process and is
  // taken over at once instead of after its ttl.
  bool take_stale = false;
};

// Thread notes: Start, Stop and the destructor from one controlling thread; leading() from any.
// on_gain and on_loss run on that thread (within Start / Stop) or on the Leadership's own, never
// two at once.
class Leadership {
 public:
  // on_gain: this instance now holds the lease; start the work. An error releases the lease
  // again (another instance may do better) and the next round tries again.
  // on_loss: the lease is gone (another holder, or it could not be renewed in time); stop the
  // work. `registry` gets vpnhub_job_leader{job}; `log` gets jobs.lease_taken / jobs.lease_lost
  // (with the job and holder), jobs.lease_error (once per streak of store errors),
  // jobs.lease_start_failed (on_gain's error) and jobs.lease_release_failed.
  Leadership(ports::Store& store, const ports::Clock& clock, ports::EventLog& log,
             metrics::Registry& registry, LeadershipOptions options,
             std::function<Status()> on_gain, std::function<void()> on_loss);
  ~Leadership();  // Stop()s
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  // One round at once (so a lone instance leads before Start returns; an on_gain error of that
  // round is returned), then one every renew_every on a thread of its own.
  Status Start();
  // Stops the rounds; when leading, calls on_loss and releases the lease, so another instance
  // takes over at its next round. Safe to call twice and without Start.
  void Stop();
  // One round now: take or renew the lease, and call on_gain / on_loss on a change. For tests
  // (with a fake clock) and Start. Returns on_gain's error when it failed this round.
  Status RunOnce();
  bool leading() const;

 private:
  void SetLeading(bool leading);

  ports::Store& store_;
  const ports::Clock& clock_;
  ports::EventLog& log_;
  metrics::Gauge& gauge_;
  LeadershipOptions options_;
  std::function<Status()> on_gain_;
  std::function<void()> on_loss_;
  std::unique_ptr<PeriodicJob> rounds_;
  std::mutex mu_;  // one round at a time; guards the fields below (leading_ is read without it)
  std::atomic<bool> leading_{false};
  Time held_until_{};           // when our lease ends unless renewed
  bool store_failing_ = false;  // jobs.lease_error logged for the current streak
};

}  // namespace vpnhub::jobs
