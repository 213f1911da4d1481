#pragma once
// Pure business rules: no I/O, no time source of their own.
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub {

// The server a new key goes to: enabled, healthy, with a free slot, least loaded first (ties go
// to the lower id). kResourceExhausted ("no capacity") when none qualifies.
Result<Server> ChooseServer(const std::vector<Server>& servers_in_location,
                            const std::string& location_name);

// Health with hysteresis: `fail` probes in a row that fail make a healthy server unhealthy,
// `recover` in a row that succeed make an unhealthy one healthy again (each at least 1).
struct HealthThresholds {
  int fail = 3;
  int recover = 2;
};
// Counts one probe of `server` (ok or not) made at `now` into its consecutive counts and
// last_check_at, flips `healthy` when a threshold is reached (then health_changed_at = now).
// Returns true when `healthy` changed.
bool ApplyProbe(Server& server, bool ok, Time now, const HealthThresholds& thresholds);

// The lowest slot in [0, capacity) not in `held` (ascending); nullopt when all are held.
std::optional<int> FirstFreeSlot(const std::vector<int>& held, int capacity);

// Tariffs from MONTH_COST x MONTH_OPTIONS (paired by position). kInvalidArgument when the lists
// differ in length, are empty, or hold a non-positive month count or a negative price.
Result<std::vector<Tariff>> BuildTariffs(const std::vector<std::int64_t>& prices,
                                         const std::vector<int>& months);

// Expiry notices: which are still to come for a key expiring at `expires_at`, seen at `now`.
// Notices whose moment has already passed when a key is created or extended are marked as done
// (a 3-day trial gets no "3 days left" notice at its start).
struct NoticePlan {
  int flags = 0;                       // NoticeFlag bits to treat as sent
  std::optional<Time> next_notice_at;  // when the next notice is due; nullopt when none is left
};
NoticePlan PlanNotices(Time expires_at, int flags, Time now);
// The notice to send now for a key whose next_notice_at has come: the most urgent one not yet
// sent (kNoticeExpired at or after expiry, kNotice1Day within a day, kNotice3Days within three),
// or 0 when none applies yet.
int NoticeDue(Time expires_at, int flags, Time now);

// Retry policy of the task worker: exponential backoff from `base` doubling per attempt, capped
// at `cap`; after `max_attempts` failed attempts the task is failed for good.
struct RetryPolicy {
  int max_attempts = 8;
  Duration base{std::chrono::seconds(2)};
  Duration cap{std::chrono::minutes(10)};

  // Delay before the next attempt after `attempts` attempts have failed (attempts >= 1).
  Duration DelayAfter(int attempts) const;
  bool GiveUp(int attempts) const { return attempts >= max_attempts; }
};

// KeyStore::UpdateKeysState's refusal of moves that may take a slot (see MayTakeSlot): Ok when
// the move is allowed for many keys at once, kInvalidArgument naming the move otherwise.
Status CheckBatchKeyMove(KeyState from, KeyState to);

// A message about key `key_id` to `chat_id`, rendered at send time from the key (kKeyReady,
// kExpiryNotice, kKeyExpired, kKeyFailed), due now.
OutgoingMessage KeyMessage(TgId chat_id, MessageKind kind, MessagePriority priority, Id key_id,
                           Time now);

}  // namespace vpnhub
