#include "core/usecases/bot_service.hpp"

#include <algorithm>
#include <charconv>

namespace vpnhub::usecases {
namespace {

constexpr char kOffsetSetting[] = "telegram.update_offset";
// Ids older than the window forgotten per new update: more than one, so a backlog (after a quiet
// spell, or a shorter window) drains, few enough to keep a handler's transaction short.
constexpr int kForgetUpdatesPerUpdate = 20;

std::optional<std::int64_t> ParseId(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

// Deep-link payloads are at most 64 characters of [A-Za-z0-9_-] (Telegram's own rule).
std::string CleanPayload(const std::string& payload) {
  std::string out;
  for (char c : payload) {
    if (out.size() >= 64) break;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-') {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<BotService::Touched> BotService::Touch(TgId tg_id, const std::string& username,
                                              const std::string& lang,
                                              const std::string& start_payload) {
  if (tg_id <= 0) return InvalidArgument("bad Telegram id");
  Touched out;
  const Time now = clock_.Now();
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto found, tx.users().FindUserByTgId(tg_id));
    if (found.has_value()) {
      out.user = *found;
      if (out.user.blocked_bot) {
        VPNHUB_RETURN_IF_ERROR(tx.users().SetBlockedBot(out.user.id, false));
        out.user.blocked_bot = false;
      }
      return Status::Ok();
    }
    User u;
    u.tg_id = tg_id;
    u.username = username;
    u.lang = (lang == "en" || lang == "ru") ? lang : settings_.default_lang;
    u.created_at = now;
    std::string payload = CleanPayload(start_payload);
    std::string_view ref = payload;
    if (!ref.empty() && ref[0] == 'r') ref.remove_prefix(1);
    if (auto ref_tg = ParseId(ref); ref_tg && *ref_tg != tg_id) {
      VPNHUB_ASSIGN_OR_RETURN(auto referrer, tx.users().FindUserByTgId(*ref_tg));
      if (referrer.has_value()) u.referrer_id = referrer->id;
    }
    if (!u.referrer_id) u.source = payload;
    VPNHUB_ASSIGN_OR_RETURN(auto id, tx.users().InsertUser(u));
    u.id = id;
    out.user = u;
    out.is_new = true;
    return Status::Ok();
  }));
  return out;
}

Status BotService::Await(TgId tg_id, const std::string& what, Time until) {
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u.has_value()) return NotFound("unknown user");
    return tx.users().SetAwaiting(u->id, what, until);
  });
}

Result<bool> BotService::TakeAwaited(TgId tg_id, const std::string& what) {
  bool taken = false;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u.has_value()) return NotFound("unknown user");
    VPNHUB_ASSIGN_OR_RETURN(taken, tx.users().TakeAwaiting(u->id, what));
    return Status::Ok();
  }));
  return taken;
}

Result<User> BotService::RotateSubscription(Id user_id) {
  User out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.users().RotateSubscription(user_id));
    VPNHUB_ASSIGN_OR_RETURN(out, tx.users().GetUser(user_id));
    return Status::Ok();
  }));
  return out;
}

Status BotService::SetLanguage(TgId tg_id, const std::string& lang) {
  if (lang != "en" && lang != "ru") return InvalidArgument("unsupported language '" + lang + "'");
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u.has_value()) return NotFound("unknown user");
    return tx.users().SetUserLang(u->id, lang);
  });
}

bool BotService::IsAdmin(TgId tg_id) const {
  return std::find(settings_.admins.begin(), settings_.admins.end(), tg_id) !=
         settings_.admins.end();
}

Result<std::vector<LocationOption>> BotService::LocationsWithCapacity() {
  std::vector<LocationOption> out;
  std::vector<Location> full;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto locs, tx.catalog().ListLocations());
    VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(std::nullopt));
    for (const auto& l : locs) {
      if (!l.enabled) continue;
      int free = 0;
      for (const auto& s : servers) {
        if (s.location_id == l.id && s.enabled && s.healthy && s.used_slots < s.capacity) {
          free += s.capacity - s.used_slots;
        }
      }
      if (free > 0) {
        out.push_back({l, free});
      } else {
        full.push_back(l);
      }
    }
    return Status::Ok();
  }));
  // Someone was just turned away from these: the admins hear about it, once per cooldown.
  for (const Location& l : full) {
    (void)alerts_.Raise("no_capacity:" + std::to_string(l.id),
                        "No free slots left in " + l.name +
                            ": people cannot get keys there. Add a server or raise a server's "
                            "capacity (vpnhub server add / server list).");
  }
  return out;
}

Result<IssuedKey> BotService::StartTrial(TgId tg_id, Id location_id, OutgoingMessage reply) {
  if (!TrialsEnabled()) return FailedPrecondition("trials are off");
  IssueKeyRequest req;
  req.tg_id = tg_id;
  req.location_id = location_id;
  req.duration = std::chrono::seconds(settings_.trial_period_sec);
  if (settings_.referral_invitee_days > 0) {
    bool invited = false;
    VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(tg_id));
      invited = user && user->referrer_id && *user->referrer_id != user->id;
      return Status::Ok();
    }));
    if (invited) req.duration += std::chrono::hours(24) * settings_.referral_invitee_days;
  }
  req.is_trial = true;
  req.traffic_limit_bytes = settings_.traffic_limit_bytes;
  req.announce_when_ready = true;
  req.reply = std::move(reply);
  auto issued = keys_.Issue(req);
  if (!issued.ok() && issued.status().code() == StatusCode::kResourceExhausted) {
    // The person is told; the admins hear about it once per cooldown.
    (void)alerts_.Raise("no_capacity:" + std::to_string(location_id), issued.status().message());
  }
  return issued;
}

Result<KeyView> BotService::ViewOf(ports::StoreTx& tx, const Key& key) {
  KeyView v;
  v.key = key;
  VPNHUB_ASSIGN_OR_RETURN(auto s, tx.catalog().GetServer(key.server_id));
  v.server = s;
  VPNHUB_ASSIGN_OR_RETURN(auto locs, tx.catalog().ListLocations());
  for (const auto& l : locs) {
    if (l.id == v.server.location_id) v.location = l;
  }
  return v;
}

Result<std::vector<KeyView>> BotService::KeysOf(TgId tg_id) {
  std::vector<KeyView> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u.has_value()) return Status::Ok();
    ports::KeyFilter f;
    f.user_id = u->id;
    f.limit = 50;
    VPNHUB_ASSIGN_OR_RETURN(auto keys, tx.keys().ListKeys(f));
    for (const auto& k : keys) {
      VPNHUB_ASSIGN_OR_RETURN(auto v, ViewOf(tx, k));
      out.push_back(std::move(v));
    }
    return Status::Ok();
  }));
  return out;
}

Result<KeyView> BotService::OwnedKey(TgId tg_id, Id key_id) {
  std::optional<KeyView> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    auto k = tx.keys().GetKey(key_id);
    if (!k.ok() && k.status().code() != StatusCode::kNotFound) return k.status();
    if (!u.has_value() || !k.ok() || k->user_id != u->id) return NotFound("no such key");
    VPNHUB_ASSIGN_OR_RETURN(auto v, ViewOf(tx, *k));
    out = std::move(v);
    return Status::Ok();
  }));
  return *out;
}

Result<AdminSummary> BotService::Summary() {
  AdminSummary out;
  const Time now = clock_.Now();
  const Time day_start = std::chrono::floor<std::chrono::days>(now);
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto stats, tx.housekeeping().Stats());
    out.stats = stats;
    out.users_total = stats.users;
    VPNHUB_ASSIGN_OR_RETURN(auto today, tx.users().CountUsersCreatedSince(day_start));
    out.users_today = today;
    VPNHUB_ASSIGN_OR_RETURN(auto locs, tx.catalog().ListLocations());
    VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(std::nullopt));
    for (const auto& s : servers) {
      ServerView v{s, ""};
      for (const auto& l : locs) {
        if (l.id == s.location_id) v.location = l.name;
      }
      out.servers.push_back(std::move(v));
    }
    return Status::Ok();
  }));
  return out;
}

Status BotService::Send(OutgoingMessage message) {
  const Time now = clock_.Now();
  if (message.next_attempt_at == Time{}) message.next_attempt_at = now;
  message.created_at = now;
  const bool capped = settings_.pending_replies_per_chat > 0 &&
                      message.kind == MessageKind::kText &&
                      message.priority != MessagePriority::kAlert;
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(message));
    if (!capped) return Status::Ok();
    auto dropped = tx.messages().TrimPendingReplies(
        message.chat_id, settings_.pending_replies_per_chat,
        "dropped: more than " + std::to_string(settings_.pending_replies_per_chat) +
            " replies were waiting for this chat",
        now);
    return dropped.status();
  });
}

Result<bool> BotService::FirstDelivery(std::int64_t update_id) {
  const Time now = clock_.Now();
  bool first = false;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto recorded, tx.coordination().RecordUpdate(update_id, now));
    first = recorded;
    if (!first) return Status::Ok();
    return tx.coordination()
        .ForgetUpdates(now - settings_.update_window, kForgetUpdatesPerUpdate)
        .status();
  }));
  return first;
}

Status BotService::MarkBlocked(TgId tg_id) {
  return store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(tg_id));
    if (!u.has_value()) return Status::Ok();  // an admin chat that never registered
    VPNHUB_RETURN_IF_ERROR(tx.users().SetBlockedBot(u->id, true));
    // What is still queued for them would only be refused again: skip it.
    auto dropped =
        tx.messages().DropPendingMessages(tg_id, "the person blocked the bot", clock_.Now());
    return dropped.status();
  });
}

Result<std::int64_t> BotService::LoadUpdateOffset() {
  std::int64_t offset = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto v, tx.coordination().GetSetting(kOffsetSetting));
    if (v.has_value()) offset = ParseId(*v).value_or(0);
    return Status::Ok();
  }));
  return offset;
}

Status BotService::SaveUpdateOffset(std::int64_t offset) {
  return store_.Write([&](ports::StoreTx& tx) {
    return tx.coordination().PutSetting(kOffsetSetting, std::to_string(offset));
  });
}

}  // namespace vpnhub::usecases
