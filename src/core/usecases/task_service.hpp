#pragma once
// What an operator does with outbox tasks that failed for good (`vpnhub task retry`).
#include <optional>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"

namespace vpnhub::usecases {

struct RetriedTask {
  Task task;  // as it is after the retry: pending, attempts 0, due now
  Key key;    // the task's key as it is after the retry
  // When a failed key went back to pending on another slot than its own (which was taken, or
  // is past the server's capacity now): the slot it had.
  std::optional<int> moved_from_slot;
};

class TaskService {
 public:
  TaskService(ports::Store& store, const ports::Clock& clock) : store_(store), clock_(clock) {}

  // Puts a failed task back in the queue (pending, attempts 0, due now, handed to the relay
  // again), together with what its work needs, in one transaction; the workers then perform it.
  //  - revoke_key: the key stays revoking (nothing else to change).
  //  - provision_key of a failed key: the key goes back to pending on its own slot when that slot
  //    is still free and within the server's capacity, else on the server's lowest free slot
  //    (its port changes then). A trial key takes its person's trial again.
  //  - provision_key of a key still pending: the task alone.
  // Errors: kNotFound for an unknown task, or a task whose key no longer exists;
  // kFailedPrecondition when the task is not failed, when its key is active, revoking or revoked
  // (nothing to provision), expired, on a disabled server, or a trial key whose person has
  // another trial key since; kResourceExhausted when the key's server has no free slot.
  Result<RetriedTask> Retry(Id task_id);

 private:
  ports::Store& store_;
  const ports::Clock& clock_;
};

}  // namespace vpnhub::usecases
