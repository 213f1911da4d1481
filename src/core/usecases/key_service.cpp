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

// Loads the requester's user record, or registers them when the tg id is new; for a trial key,
// marks their trial as used (kFailedPrecondition when it was used already).
Status LoadOrRegisterUser(ports::StoreTx& tx, const IssueKeyRequest& req,
                          const std::string& default_lang, Time now, User& user) {
  VPNHUB_ASSIGN_OR_RETURN(auto found, tx.users().FindUserByTgId(req.tg_id));
  if (found.has_value()) {
    user = *found;
  } else {
    user.tg_id = req.tg_id;
    user.username = req.username;
    user.lang = req.lang.empty() ? default_lang : req.lang;
    user.created_at = now;
    VPNHUB_ASSIGN_OR_RETURN(user.id, tx.users().InsertUser(user));
  }
  if (req.is_trial) {
    Status t = tx.users().MarkTrialUsed(user.id);
    if (t.code() == StatusCode::kFailedPrecondition) {
      return FailedPrecondition("the trial has been used already");
    }
    VPNHUB_RETURN_IF_ERROR(t);
    user.trial_used = true;
  }
  return Status::Ok();
}

// The location the request names (by id, else by name); kNotFound when there is none,
// kFailedPrecondition when it is disabled.
Result<Location> FindIssueLocation(ports::StoreTx& tx, const IssueKeyRequest& req) {
  std::optional<Location> location;
  if (req.location_id != 0) {
    VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
    for (const auto& l : all) {
      if (l.id == req.location_id) location = l;
    }
    if (!location) return NotFound("unknown location " + std::to_string(req.location_id));
  } else {
    VPNHUB_ASSIGN_OR_RETURN(auto loc, tx.catalog().FindLocationByName(req.location_name));
    if (!loc.has_value()) return NotFound("unknown location '" + req.location_name + "'");
    location = *loc;
  }
  if (!location->enabled) {
    return FailedPrecondition("location '" + location->name + "' is disabled");
  }
  return *location;
}

// The terms of a new pending key: state, expiry, limits, trial flags and its first notice.
void SetKeyTerms(const IssueKeyRequest& req, Time now, Key& key) {
  key.state = KeyState::kPending;
  key.expires_at = now + req.duration;
  key.traffic_limit_bytes = req.traffic_limit_bytes;
  key.is_trial = req.is_trial;
  key.announce_when_ready = req.announce_when_ready;
  NoticePlan plan = PlanNotices(key.expires_at, 0, now);
  key.notified_flags = plan.flags;
  key.next_notice_at = plan.next_notice_at;
  key.created_at = now;
  key.updated_at = now;
}

// Stores the key of `out` with its provisioning task and, when asked, the reply to the user.
Status RecordIssuedKey(ports::StoreTx& tx, const IssueKeyRequest& req, Time now, IssuedKey& out) {
  VPNHUB_ASSIGN_OR_RETURN(out.key.id, tx.keys().InsertKey(out.key));
  VPNHUB_ASSIGN_OR_RETURN(out.task_id,
                          tx.tasks().EnqueueTask(TaskKind::kProvisionKey, out.key.id, now));
  out.server.used_slots += 1;
  if (req.reply) {
    OutgoingMessage m = *req.reply;
    m.chat_id = req.tg_id;
    m.next_attempt_at = now;
    m.created_at = now;
    VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(m));
  }
  return Status::Ok();
}

// The key, or kNotFound naming it as the operator typed it.
Result<Key> KeyById(ports::KeyStore& keys, Id key_id) {
  return Explained(keys.GetKey(key_id), StatusCode::kNotFound,
                   "unknown key " + std::to_string(key_id));
}

}  // namespace

Result<IssuedKey> KeyService::Issue(const IssueKeyRequest& req) {
  if (req.location_id == 0) VPNHUB_RETURN_IF_ERROR(CheckName("location name", req.location_name));
  const Time now = clock_.Now();
  IssuedKey out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(out, IssueIn(tx, req, now));
    return Status::Ok();
  }));
  return out;
}

Result<IssuedKey> KeyService::IssueIn(ports::StoreTx& tx, const IssueKeyRequest& req, Time now) {
  if (req.tg_id <= 0) {
    return InvalidArgument("Telegram id must be a positive integer, got " +
                           std::to_string(req.tg_id));
  }
  if (req.duration <= Duration(0)) return InvalidArgument("key duration must be positive");
  IssuedKey out;
  out.key.remote_name = "vpnhub-" + std::to_string(req.tg_id) + "-" + Lower(secrets_.Token(6));
  VPNHUB_RETURN_IF_ERROR(LoadOrRegisterUser(tx, req, default_lang_, now, out.user));
  VPNHUB_ASSIGN_OR_RETURN(out.location, FindIssueLocation(tx, req));
  VPNHUB_RETURN_IF_ERROR(PlaceKey(tx, out));
  out.key.user_id = out.user.id;
  SetKeyTerms(req, now, out.key);
  VPNHUB_RETURN_IF_ERROR(RecordIssuedKey(tx, req, now, out));
  return out;
}

Status KeyService::PlaceKey(ports::StoreTx& tx, IssuedKey& out) {
  VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(out.location.id));
  VPNHUB_ASSIGN_OR_RETURN(auto server, ChooseServer(servers, out.location.name));
  VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(server.kind));
  out.key.secret = backend->NewSecret(secrets_);
  VPNHUB_ASSIGN_OR_RETURN(auto held, tx.keys().HeldSlots(server.id));
  auto slot = FirstFreeSlot(held, server.capacity);
  if (!slot)
    return Internal("server " + std::to_string(server.id) + " reports a free slot but has none");
  out.server = server;
  out.key.server_id = server.id;
  out.key.slot = *slot;
  return Status::Ok();
}

Result<std::optional<Id>> KeyService::Revoke(Id key_id, const std::string& reason) {
  const Time now = clock_.Now();
  std::optional<Id> task;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto key, KeyById(tx.keys(), key_id));
    switch (key.state) {
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
        tx.keys().UpdateKeyState(key_id, key.state, KeyState::kRevoking, now, reason));
    VPNHUB_ASSIGN_OR_RETURN(auto id, tx.tasks().EnqueueTask(TaskKind::kRevokeKey, key_id, now));
    task = id;
    return Status::Ok();
  }));
  return task;
}

Result<Key> KeyService::Extend(Id key_id, int days) {
  if (days < 1 || days > kMaxExtendDays) {
    return InvalidArgument("days must be 1.." + std::to_string(kMaxExtendDays) + ", got " +
                           std::to_string(days));
  }
  const Time now = clock_.Now();
  Key key;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(key, KeyById(tx.keys(), key_id));
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
    VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyExpiry(key.id, key.state, key.expires_at,
                                                  key.notified_flags, key.next_notice_at, now));
    // The server's copy of the expiry (a panel's) follows, through the outbox.
    return tx.tasks().EnqueueTask(TaskKind::kSyncKey, key.id, now).status();
  }));
  return key;
}

Result<std::vector<Key>> KeyService::KeysOf(TgId tg_id) {
  std::vector<Key> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(tg_id));
    if (!user.has_value()) return NotFound("unknown user " + std::to_string(tg_id));
    ports::KeyFilter f;
    f.user_id = user->id;
    VPNHUB_ASSIGN_OR_RETURN(auto keys, tx.keys().ListKeys(f));
    out = std::move(keys);
    return Status::Ok();
  }));
  return out;
}

}  // namespace vpnhub::usecases
