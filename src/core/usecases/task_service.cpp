#include "core/usecases/task_service.hpp"

#include <algorithm>
#include <string>

#include "core/rules.hpp"

namespace vpnhub::usecases {
namespace {

std::string KeyName(Id id) { return "key " + std::to_string(id); }

// One live trial key per person: a trial given back when this key failed may have been taken
// again since, by another key.
Status TakeTrialAgain(ports::StoreTx& tx, const Key& key) {
  // A key nobody waited for kept the trial taken when it failed (TaskExecutor::KeyFailed gives it
  // back only to a person who waited): nothing to take again. Such a key may replace a running
  // trial key of the person (a drain's move), which is not a trial taken since.
  if (!key.announce_when_ready) return Status::Ok();
  ports::KeyFilter filter;
  filter.user_id = key.user_id;
  filter.limit = 100000;
  VPNHUB_ASSIGN_OR_RETURN(auto keys, tx.keys().ListKeys(filter));
  for (const Key& other : keys) {
    if (other.id != key.id && other.is_trial && other.state != KeyState::kFailed) {
      return FailedPrecondition("the person has taken their trial again since (" +
                                KeyName(other.id) + "); trial " + KeyName(key.id) +
                                " is not retried");
    }
  }
  Status used = tx.users().MarkTrialUsed(key.user_id);
  // Already marked: it was never given back (nobody was waiting for the key).
  return used.code() == StatusCode::kFailedPrecondition ? Status::Ok() : used;
}

// A failed key back to pending, on its own slot when it is still free, else on the server's
// lowest free one.
Status Revive(ports::StoreTx& tx, const Key& key, Time now, RetriedTask& out) {
  if (key.expires_at <= now) {
    return FailedPrecondition(KeyName(key.id) + " has expired meanwhile; create a new key");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto server, tx.catalog().GetServer(key.server_id));
  if (!server.enabled) {
    return FailedPrecondition("server '" + server.name + "' of " + KeyName(key.id) +
                              " is disabled; enable it or create a new key elsewhere");
  }
  if (key.is_trial) VPNHUB_RETURN_IF_ERROR(TakeTrialAgain(tx, key));
  VPNHUB_ASSIGN_OR_RETURN(auto held, tx.keys().HeldSlots(server.id));
  int slot = key.slot;
  const bool own_slot_free =
      key.slot < server.capacity && !std::binary_search(held.begin(), held.end(), key.slot);
  if (!own_slot_free) {
    auto free = FirstFreeSlot(held, server.capacity);
    if (!free) {
      return ResourceExhausted(
          "server '" + server.name + "' is full (" + std::to_string(held.size()) + " of " +
          std::to_string(server.capacity) + " slots held): no slot for " + KeyName(key.id) +
          "; free a slot or raise its capacity, or create a new key in "
          "another location");
    }
    slot = *free;
    out.moved_from_slot = key.slot;
  }
  Status revived = tx.keys().ReviveFailedKey(key.id, slot, now);
  if (revived.code() == StatusCode::kAlreadyExists) {
    return Conflict("slot " + std::to_string(slot) + " of server '" + server.name +
                    "' was taken meanwhile; try again");
  }
  return revived;
}

}  // namespace

Result<RetriedTask> TaskService::Retry(Id task_id) {
  const Time now = clock_.Now();
  RetriedTask out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    out = RetriedTask{};
    auto task = Explained(tx.tasks().GetTask(task_id), StatusCode::kNotFound,
                          "unknown task " + std::to_string(task_id));
    VPNHUB_RETURN_IF_ERROR(task);
    if (task->state != TaskState::kFailed) {
      return FailedPrecondition("task " + std::to_string(task_id) + " is " +
                                TaskStateName(task->state) + "; only failed tasks can be retried");
    }
    auto key = Explained(
        tx.keys().GetKey(task->subject_id), StatusCode::kNotFound,
        KeyName(task->subject_id) + " of task " + std::to_string(task_id) + " no longer exists");
    VPNHUB_RETURN_IF_ERROR(key);
    if (task->kind == TaskKind::kProvisionKey) {
      switch (key->state) {
        case KeyState::kFailed:
          VPNHUB_RETURN_IF_ERROR(Revive(tx, *key, now, out));
          break;
        case KeyState::kPending:
          break;
        case KeyState::kActive:
          return FailedPrecondition(KeyName(key->id) + " is active already; nothing to provision");
        case KeyState::kRevoking:
        case KeyState::kRevoked:
          return FailedPrecondition(KeyName(key->id) + " has been revoked; nothing to provision");
      }
    }
    VPNHUB_RETURN_IF_ERROR(tx.tasks().RetryTask(task_id, now));
    VPNHUB_ASSIGN_OR_RETURN(auto retried, tx.tasks().GetTask(task_id));
    out.task = retried;
    VPNHUB_ASSIGN_OR_RETURN(auto now_key, tx.keys().GetKey(task->subject_id));
    out.key = now_key;
    return Status::Ok();
  }));
  return out;
}

}  // namespace vpnhub::usecases
