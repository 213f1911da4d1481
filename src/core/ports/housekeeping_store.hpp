#pragma once
// Upkeep across the aggregates: the counts the database keeps, and settled rows deleted after a
// while (ports::HousekeepingStore).
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

struct StoreStats {
  std::int64_t users = 0;
  std::map<MessageState, std::int64_t> messages_by_state;  // pending/sending/failed (not sent)
  std::map<KeyState, std::int64_t> keys_by_state;          // every state present
  std::map<std::pair<TaskKind, TaskState>, std::int64_t> tasks;  // pending/running/failed
};

// How many keys of one server are in one state (HousekeepingStore::CountSlotKeysByServer).
struct ServerKeyCount {
  Id server_id = 0;
  KeyState state = KeyState::kActive;
  std::int64_t keys = 0;
};

// Statistics and retention: they read or delete across users, keys, tasks and messages, and run
// on the scheduler (the statistics job, the retention purge), never inside a person's request.
// Reached through StoreTx::housekeeping(); valid only inside the transaction that handed it out,
// not thread-safe. Errors: kUnavailable when the database cannot be reached, kInternal on
// unexpected database errors, kFailedPrecondition for a write in a read-only transaction.
class HousekeepingStore {
 public:
  virtual ~HousekeepingStore() = default;

  // ---- observability
  // Users and keys by state come from counts the database maintains with every change (never a
  // scan of the users or keys); tasks (pending/running/failed) and messages (pending/sending/
  // failed) are counted through their state indexes, so the cost follows the open work, the dead
  // letters and the failed messages inside the retention, not the table sizes.
  virtual Result<StoreStats> Stats() = 0;
  // The keys that hold a slot (pending, active, revoking) per server and state, in one grouped
  // query over the slot index: its cost follows the keys on the servers, never the revoked and
  // failed keys that pile up. Only the pairs with keys, in no particular order.
  virtual Result<std::vector<ServerKeyCount>> CountSlotKeysByServer() = 0;
  // Folds the changes of the user and key counts recorded since the last call into their totals
  // (an implementation that updates its totals in place does nothing). Stats is exact either
  // way; folding keeps it O(1) in the number of changes. Idempotent; safe to run in several
  // processes at once.
  virtual Status FoldStatCounters() = 0;

  // ---- retention: settled rows are deleted after a while, a batch at a time
  // Deletes up to `limit` done tasks settled (updated_at) before `settled_before`, oldest first;
  // returns how many. Failed tasks (dead letters) and open ones are never deleted. O(limit)
  // through an index that holds only done tasks.
  virtual Result<int> PurgeDoneTasks(Time settled_before, int limit) = 0;
  // Deletes up to `limit` sent or failed messages settled (updated_at) before `settled_before`,
  // oldest first; returns how many. Pending and sending ones are never deleted. O(limit) through
  // an index that holds only settled messages.
  virtual Result<int> PurgeSettledMessages(Time settled_before, int limit) = 0;
};

}  // namespace vpnhub::ports
