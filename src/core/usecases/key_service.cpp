#include "core/usecases/key_service.hpp"

#include <algorithm>
#include <cctype>

#include "core/rules.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::usecases {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Result<IssuedKey> KeyService::Issue(const IssueKeyRequest& req) {
  if (req.tg_id <= 0) {
    return InvalidArgument("Telegram id must be a positive integer, got " +
                           std::to_string(req.tg_id));
  }
  if (req.duration <= Duration(0)) return InvalidArgument("key duration must be positive");
  if (req.location_id == 0) VPNHUB_RETURN_IF_ERROR(CheckName("location name", req.location_name));

  const Time now = clock_.Now();
  IssuedKey out;
  out.key.remote_name = "vpnhub-" + std::to_string(req.tg_id) + "-" + Lower(secrets_.Token(6));

  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto found = tx.users().FindUserByTgId(req.tg_id);
    if (!found.ok()) return found.status();
    if (found->has_value()) {
      out.user = **found;
    } else {
      out.user.tg_id = req.tg_id;
      out.user.username = req.username;
      out.user.lang = req.lang.empty() ? default_lang_ : req.lang;
      out.user.created_at = now;
      auto id = tx.users().InsertUser(out.user);
      if (!id.ok()) return id.status();
      out.user.id = *id;
    }
    if (req.is_trial) {
      Status t = tx.users().MarkTrialUsed(out.user.id);
      if (t.code() == StatusCode::kFailedPrecondition) {
        return FailedPrecondition("the trial has been used already");
      }
      VPNHUB_RETURN_IF_ERROR(t);
      out.user.trial_used = true;
    }
    std::optional<Location> location;
    if (req.location_id != 0) {
      auto all = tx.catalog().ListLocations();
      if (!all.ok()) return all.status();
      for (const auto& l : *all) {
        if (l.id == req.location_id) location = l;
      }
      if (!location) return NotFound("unknown location " + std::to_string(req.location_id));
    } else {
      auto loc = tx.catalog().FindLocationByName(req.location_name);
      if (!loc.ok()) return loc.status();
      if (!loc->has_value()) return NotFound("unknown location '" + req.location_name + "'");
      location = **loc;
    }
    if (!location->enabled) {
      return FailedPrecondition("location '" + location->name + "' is disabled");
    }
    out.location = *location;
    auto servers = tx.catalog().ListServers(location->id);
    if (!servers.ok()) return servers.status();
    auto server = ChooseServer(*servers, location->name);
    if (!server.ok()) return server.status();
    auto backend = backends_.For(server->kind);
    if (!backend.ok()) return backend.status();
    out.key.secret = (*backend)->NewSecret(secrets_);
    auto held = tx.keys().HeldSlots(server->id);
    if (!held.ok()) return held.status();
    auto slot = FirstFreeSlot(*held, server->capacity);
    if (!slot)
      return Internal("server " + std::to_string(server->id) + " reports a free slot but has none");

    out.server = *server;
    out.key.user_id = out.user.id;
    out.key.server_id = server->id;
    out.key.slot = *slot;
    out.key.state = KeyState::kPending;
    out.key.expires_at = now + req.duration;
    out.key.traffic_limit_bytes = req.traffic_limit_bytes;
    out.key.is_trial = req.is_trial;
    out.key.announce_when_ready = req.announce_when_ready;
    NoticePlan plan = PlanNotices(out.key.expires_at, 0, now);
    out.key.notified_flags = plan.flags;
    out.key.next_notice_at = plan.next_notice_at;
    out.key.created_at = now;
    out.key.updated_at = now;
    auto key_id = tx.keys().InsertKey(out.key);
    if (!key_id.ok()) return key_id.status();
    out.key.id = *key_id;
    auto task_id = tx.tasks().EnqueueTask(TaskKind::kProvisionKey, out.key.id, now);
    if (!task_id.ok()) return task_id.status();
    out.task_id = *task_id;
    out.server.used_slots += 1;
    if (req.reply) {
      OutgoingMessage m = *req.reply;
      m.chat_id = req.tg_id;
      m.next_attempt_at = now;
      m.created_at = now;
      auto msg = tx.messages().EnqueueMessage(m);
      if (!msg.ok()) return msg.status();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<Id>> KeyService::Revoke(Id key_id, const std::string& reason) {
  const Time now = clock_.Now();
  std::optional<Id> task;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto key = tx.keys().GetKey(key_id);
    if (!key.ok()) {
      if (key.status().code() == StatusCode::kNotFound) {
        return NotFound("unknown key " + std::to_string(key_id));
      }
      return key.status();
    }
    switch (key->state) {
      case KeyState::kRevoking:
      case KeyState::kRevoked:
        return Status::Ok();
      case KeyState::kFailed:
        return FailedPrecondition("key " + std::to_string(key_id) +
                                  " failed to provision; there is nothing to revoke");
      case KeyState::kPending:
      case KeyState::kActive:
        break;
    }
    VPNHUB_RETURN_IF_ERROR(
        tx.keys().UpdateKeyState(key_id, key->state, KeyState::kRevoking, now, reason));
    auto id = tx.tasks().EnqueueTask(TaskKind::kRevokeKey, key_id, now);
    if (!id.ok()) return id.status();
    task = *id;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return task;
}

Result<Key> KeyService::Extend(Id key_id, int days) {
  if (days < 1 || days > kMaxExtendDays) {
    return InvalidArgument("days must be 1.." + std::to_string(kMaxExtendDays) + ", got " +
                           std::to_string(days));
  }
  const Time now = clock_.Now();
  Key key;
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto found = tx.keys().GetKey(key_id);
    if (!found.ok()) {
      if (found.status().code() == StatusCode::kNotFound) {
        return NotFound("unknown key " + std::to_string(key_id));
      }
      return found.status();
    }
    key = *found;
    if (key.state != KeyState::kPending && key.state != KeyState::kActive) {
      return FailedPrecondition("key " + std::to_string(key_id) + " is " + KeyStateName(key.state) +
                                " and can no longer be extended; create a new key instead");
    }
    key.expires_at = std::max(now, key.expires_at) + std::chrono::hours(24) * days;
    // The flags were about the old date: notices for the new one start afresh.
    NoticePlan plan = PlanNotices(key.expires_at, 0, now);
    key.notified_flags = plan.flags;
    key.next_notice_at = plan.next_notice_at;
    key.updated_at = now;
    return tx.keys().SetKeyExpiry(key.id, key.state, key.expires_at, key.notified_flags,
                                  key.next_notice_at, now);
  });
  if (!st.ok()) return st;
  return key;
}

Result<std::vector<Key>> KeyService::KeysOf(TgId tg_id) {
  std::vector<Key> out;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    auto user = tx.users().FindUserByTgId(tg_id);
    if (!user.ok()) return user.status();
    if (!user->has_value()) return NotFound("unknown user " + std::to_string(tg_id));
    ports::KeyFilter f;
    f.user_id = (*user)->id;
    auto keys = tx.keys().ListKeys(f);
    if (!keys.ok()) return keys.status();
    out = std::move(*keys);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace vpnhub::usecases
