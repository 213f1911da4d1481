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

// The lowest slot in [0, capacity) not in `held` (ascending); nullopt when all are held.
std::optional<int> FirstFreeSlot(const std::vector<int>& held, int capacity);

// Tariffs from MONTH_COST x MONTH_OPTIONS (paired by position). kInvalidArgument when the lists
// differ in length, are empty, or hold a non-positive month count or a negative price.
Result<std::vector<Tariff>> BuildTariffs(const std::vector<std::int64_t>& prices,
                                         const std::vector<int>& months);

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

}  // namespace vpnhub
