#pragma once
// What the instances sharing one database agree on (ports::CoordinationStore).
#include <cstdint>
#include <optional>
#include <string>

#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

struct JobLease {
  std::string job;
  std::string holder;
  Time until{};
};

struct AlertThrottle {
  std::optional<Time> last_sent_at;  // nullopt: never sent
  int suppressed = 0;                // repeats swallowed since last_sent_at
};

// The service's own bookkeeping, shared by every process on the database so that each thing
// happens once, by one of them: job leases (who runs a scheduled job), alert throttles (one admin
// alert per subject per cooldown), the Telegram updates taken (one handler per update), and small
// named settings (the poller's offset, the write probe). None of it is the business's data
// (people, keys, money). Reached through StoreTx::coordination(); valid only inside the
// transaction that handed it out, not thread-safe. Errors: kUnavailable when the database cannot
// be reached, kInternal on unexpected database errors, kFailedPrecondition for a write in a
// read-only transaction; method-specific codes are listed per method.
class CoordinationStore {
 public:
  virtual ~CoordinationStore() = default;

  // ---- job leases: each scheduled job (sweep, notices, ...) runs in one instance at a time
  // Takes `job` for `holder` until now + ttl when the lease is free, expired (its until <= now)
  // or already `holder`'s (a renewal). Returns true when `holder` holds it after the call, false
  // when another holder's lease is still running (nothing changes then). kInvalidArgument for an
  // empty job or holder, or a ttl that is not positive.
  virtual Result<bool> AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                                       Duration ttl) = 0;
  // Ends `holder`'s lease of `job` at once (a clean shutdown hands the job over); nothing
  // happens when someone else holds it. Ok either way.
  virtual Status ReleaseJobLease(const std::string& job, const std::string& holder) = 0;
  // Who holds `job` and until when; nullopt when nobody ever took it.
  virtual Result<std::optional<JobLease>> GetJobLease(const std::string& job) = 0;

  // ---- admin alert throttling, by subject (e.g. "task_failed:revoke_key")
  // The subject's throttle; a never-sent one (no last_sent_at, nothing suppressed) when unknown.
  // In a write transaction the subject's row, when there is one, stays locked until the commit,
  // so a read-modify-write of one subject is safe under WriteKind::kQueue too.
  virtual Result<AlertThrottle> GetAlertThrottle(const std::string& subject) = 0;
  // Stores the subject's throttle, replacing what was there.
  virtual Status PutAlertThrottle(const std::string& subject, const AlertThrottle& value) = 0;

  // ---- Telegram updates taken (each update_id is handled once, by whichever instance)
  // Records that update `update_id` is being handled, seen at `now`. Returns true when it was
  // not recorded before, false when it was (a redelivery: skip it). Of two transactions
  // recording the same id at once, one gets true. kInvalidArgument for update_id <= 0.
  virtual Result<bool> RecordUpdate(std::int64_t update_id, Time now) = 0;
  // Deletes up to `limit` recorded updates seen before `seen_before`, oldest first; returns how
  // many. O(limit) through an index on the time seen.
  virtual Result<int> ForgetUpdates(Time seen_before, int limit) = 0;

  // ---- small named settings (e.g. the bot's update offset)
  // The value stored under `name`; nullopt when none was.
  virtual Result<std::optional<std::string>> GetSetting(const std::string& name) = 0;
  // Stores `value` under `name`, replacing what was there.
  virtual Status PutSetting(const std::string& name, const std::string& value) = 0;
};

}  // namespace vpnhub::ports
