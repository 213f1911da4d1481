#include "core/usecases/server_drain.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <vector>

#include "core/rules.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::usecases {
namespace {

// Every key of one server (a server holds at most 65,535).
constexpr int kAllKeys = std::numeric_limits<int>::max();

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<Server> FindServer(ports::StoreTx& tx, Id server_id, const std::string& what) {
  return Explained(tx.catalog().GetServer(server_id), StatusCode::kNotFound,
                   "unknown " + what + " " + std::to_string(server_id));
}

// The servers a drain of `drained` may put keys on, and how to name them in messages.
struct Targets {
  std::vector<Server> servers;
  std::string label;
  std::string location_name;  // for ChooseServer's message
};

Result<Targets> FindTargets(ports::StoreTx& tx, const Server& drained, const DrainTarget& target) {
  Targets out;
  if (target.server_id && target.location) {
    return InvalidArgument("give either a target server or a target location, not both");
  }
  if (target.server_id) {
    if (*target.server_id == drained.id) {
      return InvalidArgument("server " + std::to_string(drained.id) +
                             " cannot be drained onto itself");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto to, FindServer(tx, *target.server_id, "target server"));
    if (!to.enabled || !to.healthy) {
      return FailedPrecondition("target server " + Quoted(to.name) + " (id " +
                                std::to_string(to.id) + ") is " +
                                (to.enabled ? "unhealthy" : "disabled") + " and takes no keys");
    }
    out.label = "server " + Quoted(to.name);
    out.location_name = to.name;
    out.servers.push_back(std::move(to));
    return out;
  }
  Id location_id = drained.location_id;
  out.location_name = "";
  if (target.location) {
    VPNHUB_ASSIGN_OR_RETURN(auto loc, tx.catalog().FindLocationByName(*target.location));
    if (!loc) return NotFound("unknown location " + Quoted(*target.location));
    location_id = loc->id;
    out.location_name = loc->name;
  } else {
    VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
    for (const Location& l : all) {
      if (l.id == location_id) out.location_name = l.name;
    }
  }
  VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(location_id));
  for (Server& s : servers) {
    if (s.id != drained.id) out.servers.push_back(std::move(s));
  }
  out.label = "location " + Quoted(out.location_name);
  if (out.servers.empty()) {
    return FailedPrecondition(out.label + " has no other server to take the keys (add one, or " +
                              "give --to SERVER or --location LOCATION)");
  }
  return out;
}

int FreeSlots(const std::vector<Server>& servers) {
  int room = 0;
  for (const Server& s : servers) {
    if (s.enabled && s.healthy) room += std::max(0, s.capacity - s.used_slots);
  }
  return room;
}

Status CountProgress(ports::StoreTx& tx, Id server_id, DrainProgress& p) {
  VPNHUB_ASSIGN_OR_RETURN(auto moves, tx.keys().KeyMoveCountsOf(server_id));
  p.moved = moves.done;
  p.waiting = moves.waiting;
  p.failed = moves.failed;
  VPNHUB_ASSIGN_OR_RETURN(auto active,
                          tx.keys().KeysNotMoved(server_id, KeyState::kActive, kAllKeys));
  VPNHUB_ASSIGN_OR_RETURN(auto pending,
                          tx.keys().KeysNotMoved(server_id, KeyState::kPending, kAllKeys));
  p.to_move = static_cast<int>(active.size());
  p.pending_here = static_cast<int>(pending.size());
  return Status::Ok();
}

// The new key that replaces `old` on a server chosen among `targets` (its used_slots and `held`
// are kept up to date for the next key of the round).
class Mover {
 public:
  Mover(ports::StoreTx& tx, const Backends& backends, ports::SecretSource& secrets, Time now,
        Targets& targets)
      : tx_(tx), backends_(backends), secrets_(secrets), now_(now), targets_(targets) {}

  Status Move(const Key& old) {
    VPNHUB_ASSIGN_OR_RETURN(auto chosen, ChooseServer(targets_.servers, targets_.location_name));
    Server& server = *std::find_if(targets_.servers.begin(), targets_.servers.end(),
                                   [&](const Server& s) { return s.id == chosen.id; });
    VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(server.kind));
    auto held_it = held_.find(server.id);
    if (held_it == held_.end()) {
      VPNHUB_ASSIGN_OR_RETURN(auto held, tx_.keys().HeldSlots(server.id));
      held_it = held_.emplace(server.id, std::move(held)).first;
    }
    std::vector<int>& held = held_it->second;
    auto slot = FirstFreeSlot(held, server.capacity);
    if (!slot) return Internal("server " + std::to_string(server.id) + " has no free slot");
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx_.users().GetUser(old.user_id));

    Key key;
    key.user_id = old.user_id;
    key.server_id = server.id;
    key.slot = *slot;
    key.secret = backend->NewSecret(secrets_);
    key.remote_name = "vpnhub-" + std::to_string(user.tg_id) + "-" + Lower(secrets_.Token(6));
    key.state = KeyState::kPending;
    key.expires_at = old.expires_at;
    key.traffic_limit_bytes = old.traffic_limit_bytes;
    key.is_trial = old.is_trial;
    // The person hears of the new key through its move (FinishKeyMove), never as a new key: a
    // failure to provision it is the operator's (task alert), their old key still runs.
    key.announce_when_ready = false;
    key.notified_flags = old.notified_flags;
    key.next_notice_at = old.next_notice_at;
    key.created_at = now_;
    key.updated_at = now_;
    VPNHUB_ASSIGN_OR_RETURN(key.id, tx_.keys().InsertKey(key));
    VPNHUB_RETURN_IF_ERROR(tx_.tasks().EnqueueTask(TaskKind::kProvisionKey, key.id, now_).status());
    VPNHUB_RETURN_IF_ERROR(tx_.keys().InsertKeyMove(old.id, key.id, now_));
    held.insert(std::upper_bound(held.begin(), held.end(), *slot), *slot);
    server.used_slots += 1;
    return Status::Ok();
  }

 private:
  ports::StoreTx& tx_;
  const Backends& backends_;
  ports::SecretSource& secrets_;
  Time now_;
  Targets& targets_;
  std::map<Id, std::vector<int>> held_;
};

}  // namespace

std::string KeyMovedText(const std::string& lang) {
  if (lang == "ru") {
    return "🔁 Ваш ключ перенесён на другой сервер. Импортируйте этот новый ключ в "
           "VPN-приложение: старый скоро перестанет работать.";
  }
  return "🔁 Your key moved to another server. Import this new key into your VPN app: the old "
         "one stops working soon.";
}

Result<bool> FinishKeyMove(ports::StoreTx& tx, Id new_key_id, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(auto old_id, tx.keys().FinishKeyMove(new_key_id));
  if (!old_id) return false;
  VPNHUB_ASSIGN_OR_RETURN(Key old, tx.keys().GetKey(*old_id));
  if (old.state != KeyState::kPending && old.state != KeyState::kActive) {
    // The old key ended while it moved (revoked, refunded, expired, switched to another
    // location): its replacement ends with it, and nobody is told of a move.
    VPNHUB_RETURN_IF_ERROR(tx.keys().UpdateKeyState(new_key_id, KeyState::kActive,
                                                    KeyState::kRevoking, now, "moved key ended"));
    VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kRevokeKey, new_key_id, now).status());
    return false;
  }
  // The old key's terms as they are now: it may have been extended since the drain copied them.
  VPNHUB_ASSIGN_OR_RETURN(Key fresh, tx.keys().GetKey(new_key_id));
  if (fresh.expires_at != old.expires_at || fresh.notified_flags != old.notified_flags ||
      fresh.next_notice_at != old.next_notice_at) {
    VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyExpiry(new_key_id, KeyState::kActive, old.expires_at,
                                                  old.notified_flags, old.next_notice_at, now));
    // The server's copy of the expiry (a panel's) follows, through the outbox.
    VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kSyncKey, new_key_id, now).status());
  }
  // The person switched the old key to another location while it moved: the switch's key, once
  // active, retires this one instead (and when it fails, this one runs on).
  VPNHUB_RETURN_IF_ERROR(tx.keys().RetargetKeySwitch(old.id, new_key_id).status());
  VPNHUB_RETURN_IF_ERROR(
      tx.keys().UpdateKeyState(old.id, old.state, KeyState::kRevoking, now, "moved"));
  VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kRevokeKey, old.id, now).status());
  return true;
}

Result<DrainProgress> ServerDrain::Drain(Id server_id, const DrainTarget& target) {
  const Time now = clock_.Now();
  DrainProgress progress;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    progress = {};
    VPNHUB_ASSIGN_OR_RETURN(auto server, FindServer(tx, server_id, "server"));
    VPNHUB_ASSIGN_OR_RETURN(auto targets, FindTargets(tx, server, target));
    VPNHUB_ASSIGN_OR_RETURN(auto active,
                            tx.keys().KeysNotMoved(server_id, KeyState::kActive, kAllKeys));
    VPNHUB_ASSIGN_OR_RETURN(auto pending,
                            tx.keys().KeysNotMoved(server_id, KeyState::kPending, kAllKeys));
    const int need = static_cast<int>(active.size() + pending.size());
    const int room = FreeSlots(targets.servers);
    if (room < need) {
      return ResourceExhausted(
          targets.label + " has room for " + std::to_string(room) + " keys (enabled, healthy " +
          "servers), but " + std::to_string(need) + " keys of server " + Quoted(server.name) +
          " are to move; nothing was changed (add capacity or choose another target)");
    }
    if (server.enabled) {
      server.enabled = false;
      VPNHUB_RETURN_IF_ERROR(tx.catalog().UpdateServer(server));
    }
    Mover mover(tx, backends_, secrets_, now, targets);
    for (const Key& key : active) VPNHUB_RETURN_IF_ERROR(mover.Move(key));
    progress.planned = static_cast<int>(active.size());
    return CountProgress(tx, server_id, progress);
  }));
  return progress;
}

Result<DrainProgress> ServerDrain::Progress(Id server_id) {
  DrainProgress progress;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(FindServer(tx, server_id, "server").status());
    return CountProgress(tx, server_id, progress);
  }));
  return progress;
}

Status ServerDrain::Remove(Id server_id) {
  const Time now = clock_.Now();
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto server, FindServer(tx, server_id, "server"));
    VPNHUB_ASSIGN_OR_RETURN(auto held, tx.keys().HeldSlots(server_id));
    if (!held.empty()) {
      return FailedPrecondition("server " + Quoted(server.name) + " (id " +
                                std::to_string(server_id) + ") holds " +
                                std::to_string(held.size()) +
                                " keys (pending, active or revoking); move them off first: "
                                "vpnhub server drain " +
                                std::to_string(server_id));
    }
    Status removed = tx.catalog().RemoveServer(
        server_id, server.name + " [removed " + std::to_string(server_id) + "]", now);
    if (removed.code() == StatusCode::kNotFound) {
      return NotFound("server " + std::to_string(server_id) + " was removed already");
    }
    return removed;
  });
}

}  // namespace vpnhub::usecases
