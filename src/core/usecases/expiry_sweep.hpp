#pragma once
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"

namespace vpnhub::usecases {

struct SweepResult {
  int keys_expired = 0;  // keys moved active -> revoking, each with a revoke task
};

// Moves every active key past its expiry to revoking and enqueues its revoke task, batch by
// batch, each batch one transaction of a constant number of statements (ExpireDueKeys, and with
// notices GetUsers + EnqueueMessages). Costs O(keys due): it only reads what the expiry index
// returns. Several instances may sweep at once; no key moves twice.
class ExpirySweep {
 public:
  // With `notify`, each expired key's owner gets the "key expired" message, enqueued in the same
  // transaction (once per key: the notice flags say whether it went out).
  ExpirySweep(ports::Store& store, const ports::Clock& clock, int batch_size = 500,
              bool notify = false)
      : store_(store), clock_(clock), batch_size_(batch_size), notify_(notify) {}

  Result<SweepResult> Run();

 private:
  ports::Store& store_;
  const ports::Clock& clock_;
  int batch_size_;
  bool notify_;
};

}  // namespace vpnhub::usecases
