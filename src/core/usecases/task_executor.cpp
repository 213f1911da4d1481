#include "core/usecases/task_executor.hpp"

namespace vpnhub::usecases {
namespace {

bool Permanent(const Status& st) {
  return st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound ||
         st.code() == StatusCode::kPermissionDenied;
}

}  // namespace

Status TaskExecutor::LoadKeyAndServer(Id key_id, Key& key, Server& server) {
  return store_.Read([&](ports::StoreTx& tx) -> Status {
    auto k = tx.GetKey(key_id);
    if (!k.ok()) return k.status();
    auto s = tx.GetServer(k->server_id);
    if (!s.ok()) return s.status();
    key = std::move(*k);
    server = std::move(*s);
    return Status::Ok();
  });
}

Status TaskExecutor::Execute(const Task& task) {
  switch (task.kind) {
    case TaskKind::kProvisionKey:
      return Provision(task);
    case TaskKind::kRevokeKey:
      return Revoke(task);
  }
  return Internal("unknown task kind");
}

Status TaskExecutor::Provision(const Task& task) {
  Key key;
  Server server;
  VPNHUB_RETURN_IF_ERROR(LoadKeyAndServer(task.subject_id, key, server));
  if (key.state != KeyState::kPending) return Status::Ok();  // done before, or revoked since
  auto backend = backends_.For(server.kind);
  if (!backend.ok()) return backend.status();
  VPNHUB_RETURN_IF_ERROR((*backend)->CreateKey(server, key));
  KeyState now_state = KeyState::kActive;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    const Time now = clock_.Now();
    Status cas = tx.UpdateKeyState(key.id, KeyState::kPending, KeyState::kActive, now, "");
    if (cas.code() == StatusCode::kConflict) {
      auto k = tx.GetKey(key.id);
      if (!k.ok()) return k.status();
      now_state = k->state;
      return Status::Ok();
    }
    VPNHUB_RETURN_IF_ERROR(cas);
    if (!key.announce_when_ready) return Status::Ok();
    // The link goes out in the same commit that makes the key usable.
    auto user = tx.GetUser(key.user_id);
    if (!user.ok()) return user.status();
    if (user->blocked_bot) return Status::Ok();
    OutgoingMessage m;
    m.chat_id = user->tg_id;
    m.kind = MessageKind::kKeyReady;
    m.priority = MessagePriority::kReply;
    m.subject_id = key.id;
    m.next_attempt_at = now;
    m.created_at = now;
    auto id = tx.EnqueueMessage(m);
    return id.ok() ? Status::Ok() : id.status();
  });
  VPNHUB_RETURN_IF_ERROR(st);
  if (now_state == KeyState::kRevoking || now_state == KeyState::kRevoked) {
    // Revoked while we were creating it: do not leave it behind on the server.
    VPNHUB_RETURN_IF_ERROR((*backend)->DeleteKey(server, key));
    return Status::Ok();
  }
  log_.Info("key.activated", {{"key_id", key.id}, {"server_id", server.id}});
  return Status::Ok();
}

Status TaskExecutor::Revoke(const Task& task) {
  Key key;
  Server server;
  VPNHUB_RETURN_IF_ERROR(LoadKeyAndServer(task.subject_id, key, server));
  if (key.state == KeyState::kRevoked) return Status::Ok();
  if (key.state != KeyState::kRevoking) {
    return FailedPrecondition("key " + std::to_string(key.id) + " is " + KeyStateName(key.state) +
                              ", not revoking");
  }
  auto backend = backends_.For(server.kind);
  if (!backend.ok()) return backend.status();
  VPNHUB_RETURN_IF_ERROR((*backend)->DeleteKey(server, key));
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    Status cas =
        tx.UpdateKeyState(key.id, KeyState::kRevoking, KeyState::kRevoked, clock_.Now(), "");
    return cas.code() == StatusCode::kConflict ? Status::Ok() : cas;
  });
  VPNHUB_RETURN_IF_ERROR(st);
  log_.Info("key.revoked", {{"key_id", key.id}, {"server_id", server.id}});
  return Status::Ok();
}

void TaskExecutor::GiveUp(const Task& task, const std::string& error) {
  if (task.kind != TaskKind::kProvisionKey) return;  // a key stuck revoking stays visible
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    Status cas = tx.UpdateKeyState(task.subject_id, KeyState::kPending, KeyState::kFailed,
                                   clock_.Now(), error);
    return cas.code() == StatusCode::kConflict || cas.code() == StatusCode::kNotFound ? Status::Ok()
                                                                                      : cas;
  });
  if (!st.ok()) {
    log_.Error("key.mark_failed_error", {{"key_id", task.subject_id}, {"error", st.ToString()}});
  }
}

Status TaskExecutor::RecordFailure(const Task& task, const std::string& error, Time now) {
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.FailTask(task.id, error, now));
    if (alerts_ == nullptr || alerts_->admins.empty()) return Status::Ok();
    std::string text = std::string("Task ") + std::to_string(task.id) + " (" +
                       TaskKindName(task.kind) + ", key " + std::to_string(task.subject_id) +
                       ") failed for good after " + std::to_string(task.attempts) +
                       " attempts: " + error + ". Retry with: vpnhub task retry " +
                       std::to_string(task.id);
    auto r =
        RaiseAlert(tx, *alerts_, std::string("task_failed:") + TaskKindName(task.kind), text, now);
    return r.ok() ? Status::Ok() : r.status();
  });
}

TaskOutcome TaskExecutor::RunClaimed(const Task& task) {
  Status result = Execute(task);
  const Time now = clock_.Now();
  TaskOutcome outcome;
  Status recorded;
  if (result.ok()) {
    outcome = TaskOutcome::kDone;
    recorded = store_.Write([&](ports::StoreTx& tx) { return tx.CompleteTask(task.id, now); });
  } else if (!Permanent(result) && !policy_.GiveUp(task.attempts)) {
    outcome = TaskOutcome::kRetryLater;
    Time next = now + policy_.DelayAfter(task.attempts);
    recorded = store_.Write([&](ports::StoreTx& tx) {
      return tx.RescheduleTask(task.id, next, result.ToString(), now);
    });
    log_.Warn("task.retry", {{"task_id", task.id},
                             {"kind", TaskKindName(task.kind)},
                             {"attempt", task.attempts},
                             {"error", result.ToString()}});
  } else {
    outcome = TaskOutcome::kFailed;
    recorded = RecordFailure(task, result.ToString(), now);
    GiveUp(task, result.ToString());
    log_.Error("task.failed", {{"task_id", task.id},
                               {"kind", TaskKindName(task.kind)},
                               {"attempts", task.attempts},
                               {"error", result.ToString()}});
  }
  if (!recorded.ok()) {
    // The lease runs out and another claim repeats the task; tasks are idempotent.
    log_.Error("task.record_error", {{"task_id", task.id}, {"error", recorded.ToString()}});
  }
  return outcome;
}

}  // namespace vpnhub::usecases
