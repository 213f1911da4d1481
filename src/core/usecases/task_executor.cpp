#include "core/usecases/task_executor.hpp"

#include <map>

#include "core/rules.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/server_drain.hpp"
#include "core/usecases/task_executor_work.hpp"

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

// The key's message to its person; for a key an order made (a bought key, a paid switch) it
// carries that order's receipt, which the renderer puts first: the person's one message about
// their payment.
Result<OutgoingMessage> KeyMessageWithReceipt(ports::StoreTx& tx, const User& user,
                                              MessageKind kind, const Key& key, Time now) {
  OutgoingMessage m = KeyMessage(user.tg_id, kind, MessagePriority::kReply, key.id, now);
  if (key.is_trial) return m;
  VPNHUB_ASSIGN_OR_RETURN(m.text, ReceiptOfKey(tx, key, user.lang));
  return m;
}

}  // namespace

namespace {

// The batch's keys by id; when the one query for all of them fails (a row that cannot be read),
// one lookup per key, so that the error stays with the task whose key it is.
std::map<Id, Result<Key>> LoadKeys(ports::StoreTx& tx, const std::vector<Id>& ids) {
  std::map<Id, Result<Key>> out;
  auto keys = tx.keys().GetKeys(ids);
  if (keys.ok()) {
    for (Key& k : *keys) out.emplace(k.id, std::move(k));
  } else {
    for (Id id : ids) {
      if (out.count(id) == 0) out.emplace(id, tx.keys().GetKey(id));
    }
  }
  for (Id id : ids) {
    auto it = out.find(id);
    if (it == out.end() || it->second.status().code() == StatusCode::kNotFound) {
      out.insert_or_assign(id, Result<Key>(NotFound("key " + std::to_string(id) + " not found")));
    }
  }
  return out;
}

}  // namespace

void TaskExecutor::Load(std::vector<Work>& works) {
  std::vector<bool> settled(works.size(), false);
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    std::vector<Id> ids;
    ids.reserve(works.size());
    for (const Work& w : works) ids.push_back(w.task->subject_id);
    const std::map<Id, Result<Key>> keys = LoadKeys(tx, ids);
    // Each server is read once per batch; one that cannot be read (say, its settings are not
    // JSON) fails the tasks of its own keys, never those of another server.
    std::map<Id, Result<Server>> servers;
    for (std::size_t i = 0; i < works.size(); ++i) {
      Work& w = works[i];
      w.loaded = false;
      w.store_failed = false;
      settled[i] = true;
      const Result<Key>& key = keys.at(w.task->subject_id);
      if (!key.ok()) {
        w.result = key.status();
        continue;
      }
      auto it = servers.find(key->server_id);
      if (it == servers.end()) {
        it = servers.emplace(key->server_id, tx.catalog().GetServerToCall(key->server_id)).first;
      }
      if (!it->second.ok()) {
        w.result = it->second.status();
        continue;
      }
      w.key = *key;
      w.server = *it->second;
      w.loaded = true;
      w.result = Status::Ok();
    }
    return Status::Ok();
  });
  if (st.ok()) return;
  for (std::size_t i = 0; i < works.size(); ++i) {
    if (settled[i]) continue;  // read before the transaction failed
    works[i].loaded = false;   // the database failed us: retried later
    works[i].store_failed = true;
    works[i].result = st;
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
    case TaskKind::kSyncKey:
      // A key not yet on its server gets its terms when it is created; a provisioning already
      // under way may have read the old ones, so the sync waits for the key to be active.
      if (key.state == KeyState::kPending) {
        w.result = Unavailable("key " + std::to_string(key.id) + " is not provisioned yet");
        return;
      }
      if (key.state != KeyState::kActive) return;  // ended: nothing to keep in step
      break;
    case TaskKind::kRestoreKey:
      // Only an active key is put back; one revoked since the reconciliation stays away.
      if (key.state != KeyState::kActive) return;
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
    if (!w.result.ok()) return;
    auto data = w.backend->FetchRemoteData(w.server, key);
    if (!data.ok()) {
      w.result = data.status();
      return;
    }
    w.key.remote_data = std::move(*data);  // the key-ready message below delivers with it
    w.effect = Work::Effect::kActivate;
  } else if (w.task->kind == TaskKind::kRestoreKey) {
    w.result = Restore(w);
  } else if (w.task->kind == TaskKind::kSyncKey) {
    w.result = w.backend->UpdateKey(w.server, key);
  } else {
    w.result = w.backend->DeleteKey(w.server, key);
    if (w.result.ok()) w.effect = Work::Effect::kMarkRevoked;
  }
}

namespace {

// A key that replaces another (a location switch) just became active: the old key goes to
// revoking with its revoke task, in the transaction that activates the new one, so neither a
// crash nor a retried batch can leave the person with two keys or none.
Status RetireSwitchedKey(ports::StoreTx& tx, Id new_key_id, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(auto old_id, tx.billing().FinishKeySwitch(new_key_id));
  if (!old_id) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(Key old, tx.keys().GetKey(*old_id));
  if (old.state != KeyState::kPending && old.state != KeyState::kActive) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(
      tx.keys().UpdateKeyState(old.id, old.state, KeyState::kRevoking, now, "switched"));
  return tx.tasks().EnqueueTask(TaskKind::kRevokeKey, old.id, now).status();
}

}  // namespace

Status TaskExecutor::ApplyEffect(ports::StoreTx& tx, Work& w, Time now) {
  w.remove_after = false;
  const Key& key = w.key;
  if (w.effect == Work::Effect::kMarkRevoked) {
    Status cas = tx.keys().UpdateKeyState(key.id, KeyState::kRevoking, KeyState::kRevoked, now, "");
    return cas.code() == StatusCode::kConflict ? Status::Ok() : cas;
  }
  if (w.effect == Work::Effect::kRestored) {
    // Revoked while we were putting it back (its revoke task may have run before our CreateKey):
    // do not leave it behind on the server.
    auto now_key = tx.keys().GetKey(key.id);
    if (now_key.status().code() == StatusCode::kNotFound) return Status::Ok();
    VPNHUB_RETURN_IF_ERROR(now_key.status());
    if (now_key->state != KeyState::kActive) {
      w.remove_after = true;
      return Status::Ok();
    }
    if (!w.store_remote_data) return Status::Ok();
    return tx.keys().SetKeyRemoteData(key.id, key.remote_data);  // read just above: it exists
  }
  if (w.effect != Work::Effect::kActivate) return Status::Ok();
  Status cas = tx.keys().UpdateKeyState(key.id, KeyState::kPending, KeyState::kActive, now, "");
  if (cas.code() == StatusCode::kConflict) {
    VPNHUB_ASSIGN_OR_RETURN(auto k, tx.keys().GetKey(key.id));
    w.remove_after = k.state == KeyState::kRevoking || k.state == KeyState::kRevoked;
    return Status::Ok();
  }
  VPNHUB_RETURN_IF_ERROR(cas);
  if (!key.remote_data.empty()) {
    VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyRemoteData(key.id, key.remote_data));
  }
  VPNHUB_RETURN_IF_ERROR(RetireSwitchedKey(tx, key.id, now));
  // A key moved off a drained server: its old key is revoked in this commit, and the person gets
  // the new key once, saying it moved.
  VPNHUB_ASSIGN_OR_RETURN(const bool moved, FinishKeyMove(tx, key.id, now));
  if (moved) {
    VPNHUB_ASSIGN_OR_RETURN(auto owner, tx.users().GetUser(key.user_id));
    if (owner.blocked_bot) return Status::Ok();
    OutgoingMessage m =
        KeyMessage(owner.tg_id, MessageKind::kKeyReady, MessagePriority::kBulk, key.id, now);
    m.text = KeyMovedText(owner.lang);
    return tx.messages().EnqueueMessage(m).status();
  }
  if (!key.announce_when_ready) return Status::Ok();
  // The link goes out in the same commit that makes the key usable.
  VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().GetUser(key.user_id));
  if (user.blocked_bot) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto ready,
                          KeyMessageWithReceipt(tx, user, MessageKind::kKeyReady, key, now));
  return tx.messages().EnqueueMessage(ready).status();
}

// Runs in a WriteKind::kQueue transaction: every write here is a compare-and-set on a row's
// state (or follows a locked read, the alert throttle), so concurrent batches of different rows
// never fail each other.
Status TaskExecutor::Record(ports::StoreTx& tx, Work& w, Time now) {
  const Task& task = *w.task;
  w.key_failed = w.person_told = w.trial_returned = false;  // a retried transaction starts over
  switch (w.outcome) {
    case TaskOutcome::kDone:
      VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(tx.tasks().CompleteTask(task.id, now)));
      return ApplyEffect(tx, w, now);
    case TaskOutcome::kReleased:
      return TolerateMovedTask(tx.tasks().ReleaseTask(task.id, now));
    case TaskOutcome::kRetryLater:
      return TolerateMovedTask(tx.tasks().RescheduleTask(
          task.id, now + policy_.DelayAfter(task.attempts), w.result.ToString(), now));
    case TaskOutcome::kUnrecorded:  // never recorded: set only after the recording failed
      return Status::Ok();
    case TaskOutcome::kFailed:
      break;
  }
  const std::string error = w.result.ToString();
  VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(tx.tasks().FailTask(task.id, error, now)));
  if (task.kind == TaskKind::kProvisionKey) {
    // A key that could not be created is failed; a key stuck revoking stays visible as such.
    Status cas = tx.keys().UpdateKeyState(task.subject_id, KeyState::kPending, KeyState::kFailed,
                                          now, error);
    if (cas.ok()) {
      VPNHUB_RETURN_IF_ERROR(KeyFailed(tx, w, error, now));
    } else {
      VPNHUB_RETURN_IF_ERROR(TolerateMovedTask(cas));
    }
  }
  if (alerts_ == nullptr || alerts_->admins.empty()) return Status::Ok();
  std::string text =
      std::string("Task ") + std::to_string(task.id) + " (" + TaskKindName(task.kind) + ", key " +
      std::to_string(task.subject_id) + ") failed for good after " + std::to_string(task.attempts) +
      " attempts: " + error + ". Once the VPN server works again: vpnhub task retry " +
      std::to_string(task.id) +
      (task.kind == TaskKind::kProvisionKey
           ? " (the key takes a free slot of its server again and is provisioned)"
           : "");
  auto r =
      RaiseAlert(tx, *alerts_, std::string("task_failed:") + TaskKindName(task.kind), text, now);
  return r.ok() ? Status::Ok() : r.status();
}

Status TaskExecutor::KeyFailed(ports::StoreTx& tx, Work& w, const std::string& error, Time now) {
  w.key_failed = true;
  VPNHUB_ASSIGN_OR_RETURN(auto key, tx.keys().GetKey(w.task->subject_id));
  // Nobody waits for a key the operator created: the task alert is enough.
  if (!key.announce_when_ready) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().GetUser(key.user_id));
  if (key.is_trial) {
    // Their one trial was spent on a key they never got.
    Status back = tx.users().GiveTrialBack(user.id);
    if (back.ok()) {
      w.trial_returned = true;
    } else if (back.code() != StatusCode::kFailedPrecondition) {
      return back;
    }
  }
  if (!user.blocked_bot) {
    VPNHUB_ASSIGN_OR_RETURN(auto failed,
                            KeyMessageWithReceipt(tx, user, MessageKind::kKeyFailed, key, now));
    VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(failed).status());
    w.person_told = true;
  }
  if (alerts_ == nullptr || alerts_->admins.empty()) return Status::Ok();
  std::string text = std::string("A person was waiting for key ") + std::to_string(key.id) +
                     (key.is_trial ? " (trial)" : "") + " of Telegram user " +
                     std::to_string(user.tg_id) + ", which could not be set up: " + error + ". ";
  text += w.person_told ? "They were told" : "They blocked the bot and were not told";
  text += w.trial_returned ? "; their trial is free again. " : ". ";
  text += "Once the VPN server works again: vpnhub task retry " + std::to_string(w.task->id) +
          " gives them the key after all" +
          (w.trial_returned ? " (and takes their trial, unless they used it since)." : ".");
  auto r = RaiseAlert(tx, *alerts_, "key_failed_waiting", text, now);
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
  // Not-running rows are someone else's now.
  VPNHUB_RETURN_IF_ERROR(tx.tasks().CompleteTasks(done, now));
  if (!revoked.empty()) {
    // Keys no longer revoking were handled by someone else: a compare-and-set miss is fine.
    VPNHUB_RETURN_IF_ERROR(
        tx.keys().UpdateKeysState(revoked, KeyState::kRevoking, KeyState::kRevoked, now, ""));
  }
  for (Work& w : works) {
    if (w.outcome == TaskOutcome::kDone) {
      if (w.effect == Work::Effect::kActivate || w.effect == Work::Effect::kRestored) {
        VPNHUB_RETURN_IF_ERROR(ApplyEffect(tx, w, now));
      }
      continue;
    }
    VPNHUB_RETURN_IF_ERROR(Record(tx, w, now));
  }
  return Status::Ok();
}

void TaskExecutor::Finish(Work& w) {
  const Task& task = *w.task;
  if (!w.recorded) return;  // nothing happened: task.record_error said why
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
      } else if (w.effect == Work::Effect::kRestored) {
        log_.Info("key.restored", {{"key_id", w.key.id}, {"server_id", w.server.id}});
      }
      return;
    case TaskOutcome::kReleased:
    case TaskOutcome::kUnrecorded:
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
      if (w.key_failed) {
        log_.Warn("key.failed", {{"key_id", task.subject_id},
                                 {"task_id", task.id},
                                 {"person_told", w.person_told},
                                 {"trial_returned", w.trial_returned}});
      }
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
  w.recorded = true;
  Finish(w);
  return Status::Ok();
}

std::vector<TaskOutcome> TaskExecutor::RunClaimedBatch(const std::vector<Task>& tasks,
                                                       Duration budget,
                                                       const std::vector<bool>& last_chance) {
  // (The JetStream worker hands over an empty batch when none of its messages was claimable.)
  if (tasks.empty()) return {};
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
    const bool final_attempt = policy_.GiveUp(w.task->attempts) || last;
    if (w.result.ok()) {
      w.outcome = TaskOutcome::kDone;
    } else if (!Permanent(w.result) && !final_attempt) {
      w.outcome = TaskOutcome::kRetryLater;
    } else if (w.store_failed) {
      // The database, not the VPN server, failed this attempt: it is not the task's last one
      // (the attempt is given back; NATS's redrive hands a last delivery's row out again).
      w.outcome = TaskOutcome::kReleased;
    } else {
      w.outcome = TaskOutcome::kFailed;
    }
  }

  const Time now = clock_.Now();
  Status batch = store_.Write(ports::WriteKind::kQueue,
                              [&](ports::StoreTx& tx) { return RecordBatch(tx, works, now); });
  for (Work& w : works) w.recorded = batch.ok();
  if (!batch.ok() && works.size() > 1) {
    for (Work& w : works) {
      Status one = store_.Write(ports::WriteKind::kQueue,
                                [&](ports::StoreTx& tx) { return Record(tx, w, now); });
      w.recorded = one.ok();
      // The lease runs out and another claim repeats the task; tasks are idempotent.
      if (!one.ok()) {
        log_.Error("task.record_error", {{"task_id", w.task->id}, {"error", one.ToString()}});
      }
    }
  } else if (!batch.ok()) {
    log_.Error("task.record_error", {{"task_id", works[0].task->id}, {"error", batch.ToString()}});
  }
  std::vector<TaskOutcome> outcomes;
  outcomes.reserve(works.size());
  for (Work& w : works) {
    if (!w.recorded) {
      // What the rolled-back transaction said happened did not: no clean-up, no log.
      w.remove_after = false;
      w.outcome = TaskOutcome::kUnrecorded;
    }
    Finish(w);
    outcomes.push_back(w.outcome);
  }
  return outcomes;
}

TaskOutcome TaskExecutor::RunClaimed(const Task& task) { return RunClaimedBatch({task})[0]; }

}  // namespace vpnhub::usecases
