#pragma once
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::usecases {

struct PurgeResult {
  std::int64_t tasks = 0;     // done tasks deleted
  std::int64_t messages = 0;  // sent and failed messages deleted
  bool more = false;          // a batch was full: older rows may be left, call Step again
};

// Deletes what the service settled longer ago than the retention: done tasks and sent or failed
// messages whose updated_at is before now - retention. Failed tasks are kept whatever their age:
// they are the dead letters an operator must see and may retry. One Step deletes at most
// `batch_size` rows of each table, each table in its own transaction, so a writer waits at most
// one batch; a caller loops while `more` (the scheduler's purge job does, off the hot path).
// Costs O(rows deleted): the store walks indexes that hold only settled rows.
class RetentionPurge {
 public:
  RetentionPurge(ports::Store& store, const ports::Clock& clock, Duration retention,
                 int batch_size = 5000)
      : store_(store), clock_(clock), retention_(retention), batch_size_(batch_size) {}

  Result<PurgeResult> Step();

 private:
  ports::Store& store_;
  const ports::Clock& clock_;
  Duration retention_;
  int batch_size_;
};

}  // namespace vpnhub::usecases
