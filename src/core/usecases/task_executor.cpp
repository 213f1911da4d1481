#include "core/usecases/task_executor.hpp"

#include <map>

namespace vpnhub::usecases {
namespace {

// kAlreadyExists: the server holds the key's place (its port) for another key, which is never
// taken over; retrying the same place cannot succeed.
bool Permanent(const Status& st) {
  return st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound ||
         st.code() == StatusCode::kPermissionDenied || st.code() == StatusCode::kAlreadyExists;
}

// A task row that is no longer running (its lease ran out and another worker took it over, or
// an operator moved it) is someone else's now; the work it stood for is idempotent.
Status TolerateMovedTask(Status st) {
  return st.code() == StatusCode::kConflict || st.code() == StatusCode::kNotFound ? Status::Ok()
                                                                                  : st;
}

}  // namespace

struct TaskExecutor::Work {
  const Task* task = nullptr;
  bool loaded = false;
  Key key;
  Server server;
  ports::VpnBackend* backend = nullptr;
  Status result;  // of loading and the remote step
  enum class Effect { kNone, kActivate, kMarkRevoked } effect = Effect::kNone;
  TaskOutcome outcome = TaskOutcome::kDone;
  bool remove_after = false;  // created, but revoked meanwhile: delete it from the server again
};

void TaskExecutor::Load(std::vector<Work>& works) {
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    std::vector<Id> ids;
    ids.reserve(works.size());
    for (const Work& w : works) ids.push_back(w.task->subject_id);
    auto keys = tx.GetKeys(ids);
    if (!keys.ok()) return keys.status();
    std::map<Id, const Key*> by_id;
    for (const Key& k : *keys) by_id.emplace(k.id, &k);
    std::map<Id, Server> servers;
    for (Work& w : works) {
      w.loaded = false;
      auto found = by_id.find(w.task->subject_id);
      if (found == by_id.end()) {
        w.result = NotFound("key " + std::to_string(w.task->subject_id) + " not found");
        continue;
      }
      const Key& key = *found->second;
      auto it = servers.find(key.server_id);
      if (it == servers.end()) {
        auto server = tx.GetServerToCall(key.server_id);
        if (!server.ok()) return server.status();
        it = servers.emplace(key.server_id, std::move(*server)).first;
      }
      w.key = key;
      w.server = it->second;
      w.loaded = true;
      w.result = Status::Ok();
    }
    return Status::Ok();
  });
  if (st.ok()) return;
  for (Work& w : works) {  // the database failed us: every task is retried later
    w.loaded = false;
    w.result = st;
  }
}

void TaskExecutor::Remote(Work& w) {
  w.effect = Work::Effect::kNone;
  if (!w.loaded) return;  // w.result says why
  const Key& key = w.key;
  switch (w.task->kind) {
    case TaskKind::kProvisionKey:
      if (key.state != KeyState::kPending) return;  // done before, or revoked since
      break;
    case TaskKind::kRevokeKey:
      if (key.state == KeyState::kRevoked) return;
      if (key.state != KeyState::kRevoking) {
        w.result = FailedPrecondition("key " + std::to_string(key.id) + " is " +
                                      KeyStateName(key.state) + ", not revoking");
        return;
      }
      break;
  }
  auto backend = backends_.For(w.server.kind);
  if (!backend.ok()) {
    w.result = backend.status();
    return;
  }
  w.backend = *backend;
  if (w.task->kind == TaskKind::kProvisionKey) {
    w.result = w.backend->CreateKey(w.server, key);
    if (w.result.ok()) w.effect = Work::Effect::kActivate;
  } else {
    w.result = w.backend->DeleteKey(w.server, key);
    if (w.result.ok()) w.effect = Work::Effect::kMarkRevoked;
  }
}

Status TaskExecutor::ApplyEffect(ports::StoreTx& tx, Work& w, Time now) {
  w.remove_after = false;
  const Key& key = w.key;
  if (w.effect == Work::Effect::kMarkRevoked) {
    Status cas = tx.UpdateKeyState(key.id, KeyState::kRevoking, KeyState::kRevoked, now, "");
    return cas.code() == StatusCode::kConflict ? Status::Ok() : cas;
  }
  if (w.effect != Work::Effect::kActivate) return Status::Ok();
  Status cas = tx.UpdateKeyState(key.id, KeyState::kPending, KeyState::kActive, now, "");
  if (cas.code() == StatusCode::kConflict) {
    auto k = tx.GetKey(key.id);
    if (!k.ok()) return k.status();
    w.remove_after = k->state == KeyState::kRevoking || k->state == KeyState::kRevoked;
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
}

// The task row moves first in every branch: the queue operations are what the adapters optimise
// for (PostgreSQL runs a transaction that begins with one at READ COMMITTED, where concurrent
// batches of different rows never fail each other; every other write here is a compare-and-set
// that is safe at that level).
Status TaskExecutor::Record(ports::StoreTx& tx, Work& w, Time now) {
  const Task& task = *w.task;
  switch (w.outcome) {
    case TaskOutcome::kDone:
      VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(tx.CompleteTask(task.id, now)));
      return ApplyEffect(tx, w, now);
    case TaskOutcome::kReleased:
      return TolerateMovedTask(tx.ReleaseTask(task.id, now));
    case TaskOutcome::kRetryLater:
      return TolerateMovedTask(tx.RescheduleTask(task.id, now + policy_.DelayAfter(task.attempts),
                                                 w.result.ToString(), now));
    case TaskOutcome::kFailed:
      break;
  }
  const std::string error = w.result.ToString();
  VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(tx.FailTask(task.id, error, now)));
  if (task.kind == TaskKind::kProvisionKey) {
    // A key that could not be created is failed; a key stuck revoking stays visible as such.
    Status cas =
        tx.UpdateKeyState(task.subject_id, KeyState::kPending, KeyState::kFailed, now, error);
    VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(cas));
  }
  if (alerts_ == nullptr || alerts_->admins.empty()) return Status::Ok();
  std::string text =
      std::string("Task ") + std::to_string(task.id) + " (" + TaskKindName(task.kind) + ", key " +
      std::to_string(task.subject_id) + ") failed for good after " + std::to_string(task.attempts) +
      " attempts: " + error + ". Retry with: vpnhub task retry " + std::to_string(task.id);
  auto r =
      RaiseAlert(tx, *alerts_, std::string("task_failed:") + TaskKindName(task.kind), text, now);
  return r.ok() ? Status::Ok() : r.status();
}

// Record for a whole batch in a constant number of statements for the common case (tasks done,
// keys revoked); activations (a message each) and the rare retries and failures go one by one.
Status TaskExecutor::RecordBatch(ports::StoreTx& tx, std::vector<Work>& works, Time now) {
  std::vector<Id> done, revoked;
  for (const Work& w : works) {
    if (w.outcome != TaskOutcome::kDone) continue;
    done.push_back(w.task->id);
    if (w.effect == Work::Effect::kMarkRevoked) revoked.push_back(w.key.id);
  }
  // Task rows first, as in Record (see there); not-running rows are someone else's now.
  auto completed = tx.CompleteTasks(done, now);
  if (!completed.ok()) return completed.status();
  if (!revoked.empty()) {
    // Keys no longer revoking were handled by someone else: a compare-and-set miss is fine.
    auto moved = tx.UpdateKeysState(revoked, KeyState::kRevoking, KeyState::kRevoked, now, "");
    if (!moved.ok()) return moved.status();
  }
  for (Work& w : works) {
    if (w.outcome == TaskOutcome::kDone) {
      if (w.effect == Work::Effect::kActivate) VPNHUB_RETURN_IF_ERROR(ApplyEffect(tx, w, now));
      continue;
    }
    VPNHUB_RETURN_IF_ERROR(Record(tx, w, now));
  }
  return Status::Ok();
}

void TaskExecutor::Finish(Work& w) {
  const Task& task = *w.task;
  switch (w.outcome) {
    case TaskOutcome::kDone:
      if (w.remove_after && w.backend != nullptr) {
        // Revoked while we were creating it: do not leave it behind on the server.
        Status st = w.backend->DeleteKey(w.server, w.key);
        if (!st.ok()) {
          log_.Error("key.cleanup_error", {{"key_id", w.key.id}, {"error", st.ToString()}});
        }
      } else if (w.effect == Work::Effect::kActivate) {
        log_.Info("key.activated", {{"key_id", w.key.id}, {"server_id", w.server.id}});
      } else if (w.effect == Work::Effect::kMarkRevoked) {
        log_.Info("key.revoked", {{"key_id", w.key.id}, {"server_id", w.server.id}});
      }
      return;
    case TaskOutcome::kReleased:
      return;
    case TaskOutcome::kRetryLater:
      log_.Warn("task.retry", {{"task_id", task.id},
                               {"kind", TaskKindName(task.kind)},
                               {"attempt", task.attempts},
                               {"error", w.result.ToString()}});
      return;
    case TaskOutcome::kFailed:
      log_.Error("task.failed", {{"task_id", task.id},
                                 {"kind", TaskKindName(task.kind)},
                                 {"attempts", task.attempts},
                                 {"error", w.result.ToString()}});
      return;
  }
}

Status TaskExecutor::Execute(const Task& task) {
  std::vector<Work> works(1);
  Work& w = works.front();
  w.task = &task;
  Load(works);
  Remote(w);
  VPNHUB_RETURN_IF_ERROR(w.result);
  if (w.effect == Work::Effect::kNone) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(
      store_.Write([&](ports::StoreTx& tx) { return ApplyEffect(tx, w, clock_.Now()); }));
  if (w.remove_after) return w.backend->DeleteKey(w.server, w.key);
  Finish(w);
  return Status::Ok();
}

std::vector<TaskOutcome> TaskExecutor::RunClaimedBatch(const std::vector<Task>& tasks,
                                                       Duration budget,
                                                       const std::vector<bool>& last_chance) {
  std::vector<Work> works(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) works[i].task = &tasks[i];
  Load(works);
  const Time started = clock_.Now();
  for (std::size_t i = 0; i < works.size(); ++i) {
    Work& w = works[i];
    const bool last = i < last_chance.size() && last_chance[i];
    if (clock_.Now() - started > budget) {
      w.outcome = TaskOutcome::kReleased;
      continue;
    }
    Remote(w);
    if (w.result.ok()) {
      w.outcome = TaskOutcome::kDone;
    } else if (!Permanent(w.result) && !policy_.GiveUp(w.task->attempts) && !last) {
      w.outcome = TaskOutcome::kRetryLater;
    } else {
      w.outcome = TaskOutcome::kFailed;
    }
  }

  const Time now = clock_.Now();
  Status batch = store_.Write([&](ports::StoreTx& tx) { return RecordBatch(tx, works, now); });
  if (!batch.ok() && works.size() > 1) {
    for (Work& w : works) {
      Status one = store_.Write([&](ports::StoreTx& tx) { return Record(tx, w, now); });
      if (!one.ok()) {
        // The lease runs out and another claim repeats the task; tasks are idempotent.
        log_.Error("task.record_error", {{"task_id", w.task->id}, {"error", one.ToString()}});
        w.remove_after = false;
      }
    }
  } else if (!batch.ok()) {
    log_.Error("task.record_error", {{"task_id", works[0].task->id}, {"error", batch.ToString()}});
    works[0].remove_after = false;
  }
  std::vector<TaskOutcome> outcomes;
  outcomes.reserve(works.size());
  for (Work& w : works) {
    Finish(w);
    outcomes.push_back(w.outcome);
  }
  return outcomes;
}

TaskOutcome TaskExecutor::RunClaimed(const Task& task) { return RunClaimedBatch({task})[0]; }

}  // namespace vpnhub::usecases
