#pragma once
// Expiry notices (3 days, 1 day, at expiry) and throttled admin alerts, both enqueued as
// outgoing messages in the same transaction that records them as sent.
#include <string>
#include <vector>

#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"

namespace vpnhub::usecases {

// Inside a transaction: sends the notice that is due for `key` now (if any), marks it (and the
// less urgent ones it supersedes) in the key's flags and plans the next one. With `notify` false
// the flags move but no message is enqueued (no bot configured). Blocked people get no message.
Status SendDueNotice(ports::StoreTx& tx, const Key& key, Time now, bool notify);

// The job: every key whose next notice is due, in batches of `batch` per transaction.
class ExpiryNotices {
 public:
  ExpiryNotices(ports::Store& store, const ports::Clock& clock, bool notify, int batch = 500)
      : store_(store), clock_(clock), notify_(notify), batch_(batch) {}
  // Returns how many keys were looked at.
  Result<int> Run();

 private:
  ports::Store& store_;
  const ports::Clock& clock_;
  bool notify_;
  int batch_;
};

struct AlertPolicy {
  std::vector<TgId> admins;
  Duration cooldown{std::chrono::hours(1)};
};

// Inside a transaction: one alert per subject per cooldown. The first alert of a period is
// enqueued to every admin (kAdminAlert, priority kAlert, subject_id = how many repeats were
// suppressed before it); repeats within the cooldown are counted, not sent.
// Returns true when the alert was enqueued.
Result<bool> RaiseAlert(ports::StoreTx& tx, const AlertPolicy& policy, const std::string& subject,
                        const std::string& text, Time now);

class AdminAlerts {
 public:
  AdminAlerts(ports::Store& store, const ports::Clock& clock, AlertPolicy policy)
      : store_(store), clock_(clock), policy_(std::move(policy)) {}
  Result<bool> Raise(const std::string& subject, const std::string& text);
  const AlertPolicy& policy() const { return policy_; }

 private:
  ports::Store& store_;
  const ports::Clock& clock_;
  AlertPolicy policy_;
};

}  // namespace vpnhub::usecases
