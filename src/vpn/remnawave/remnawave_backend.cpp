#include "vpn/remnawave/remnawave_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "formats/ss_link.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

using nlohmann::json;

constexpr std::size_t kSecretLength = 24;
// Errors.ts: USER_USERNAME_ALREADY_EXISTS.
constexpr const char* kUsernameExists = "A019";
// Entries of the made-data cache beyond which it is dropped (keys whose data nobody fetched).
constexpr std::size_t kMaxRemembered = 4096;

// expireAt as the API takes it: "2026-01-17T15:38:45.065Z". A key without an expiry (the epoch)
// gets the last day of 2099: the API requires one.
std::string IsoUtc(Time t) {
  using namespace std::chrono;
  if (t <= Time{}) return "2099-12-31T00:00:00.000Z";
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

// The Telegram id in a remote name "vpnhub-<tg>-<rand>"; nullopt for another name.
std::optional<std::int64_t> TelegramId(const std::string& remote_name) {
  static const std::string kPrefix = "vpnhub-";
  if (remote_name.rfind(kPrefix, 0) != 0) return std::nullopt;
  const auto end = remote_name.find('-', kPrefix.size());
  if (end == std::string::npos) return std::nullopt;
  const std::string digits = remote_name.substr(kPrefix.size(), end - kPrefix.size());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

std::string RemoteData(const PanelUser& u) {
  json j = {{"id", u.id}, {"shortUuid", u.short_uuid}, {"subscriptionUrl", u.subscription_url}};
  if (!u.uuid.empty()) j["uuid"] = u.uuid;
  return j.dump();
}

// A link a subscription may list: one line of printable ASCII with a scheme ("vless://...").
bool IsLinkLine(const std::string& link) {
  if (link.empty() || link.size() > 8192 || link.find("://") == std::string::npos) return false;
  return std::all_of(link.begin(), link.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

}  // namespace

Result<std::vector<std::string>> LinksFromRemoteData(const std::string& remote_data) {
  const json j = json::parse(remote_data, nullptr, false);
  if (!j.is_object()) return FailedPrecondition("the Remnawave key's remote data is not an object");
  std::vector<std::string> out;
  auto it = j.find("links");
  if (it == j.end()) return out;  // stored before links were kept
  if (!it->is_array()) return FailedPrecondition("the Remnawave key's links are not a list");
  for (const json& l : *it) {
    if (!l.is_string() || !IsLinkLine(l.get<std::string>())) {
      return FailedPrecondition("the Remnawave key's links hold one that is not a link line");
    }
    out.push_back(l.get<std::string>());
  }
  return out;
}

namespace {

// The user's proxy links from GET /api/sub/{shortUuid}/info (GetSubscriptionInfoByShortUuid:
// {"response": {"isFound", "user", "links": [...], "ssConfLinks", "subscriptionUrl"}}); only the
// strings that are link lines are kept.
Result<std::vector<std::string>> FetchLinks(const RemnawaveClient& client,
                                            const std::string& short_uuid) {
  if (short_uuid.empty()) return Internal("the Remnawave user has no shortUuid");
  const std::string what = "GET /api/sub/{shortUuid}/info";
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, client.Send("GET", "/sub/" + formats::PercentEncode(short_uuid) + "/info", "", what));
  if (r.status != 200) return client.Unexpected(what, r);
  VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
  auto links = resp.is_object() ? resp.find("links") : resp.end();
  if (!resp.is_object() || links == resp.end() || !links->is_array()) {
    return Internal("Remnawave API " + what + " answered without links");
  }
  std::vector<std::string> out;
  for (const json& l : *links) {
    if (l.is_string() && IsLinkLine(l.get<std::string>())) out.push_back(l.get<std::string>());
  }
  return out;
}

}  // namespace

RemnawaveBackend::RemnawaveBackend(RemnawaveOptions options) : options_(options) {}

Result<RemnawaveClient> RemnawaveBackend::Client(const Server& server) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  return RemnawaveClient(std::move(s), options_.call_deadline);
}

Status RemnawaveBackend::ValidateSettings(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  if (server.capacity < 0) return InvalidArgument("capacity must be >= 0");
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> RemnawaveBackend::KeyPorts(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  return std::optional<ports::KeyPortRange>();
}

void RemnawaveBackend::Remember(const Server& server, const std::string& username,
                                const std::string& data) {
  std::lock_guard lock(mu_);
  if (made_.size() >= kMaxRemembered) made_.clear();
  made_[std::to_string(server.id) + '\n' + username] = data;
}

std::optional<std::string> RemnawaveBackend::Take(const Server& server,
                                                  const std::string& username) {
  std::lock_guard lock(mu_);
  auto it = made_.find(std::to_string(server.id) + '\n' + username);
  if (it == made_.end()) return std::nullopt;
  std::string data = std::move(it->second);
  made_.erase(it);
  return data;
}

Result<std::vector<Squad>> RemnawaveBackend::ListSquads(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  const std::string what = "GET /api/internal-squads";
  VPNHUB_ASSIGN_OR_RETURN(auto r, client.Send("GET", "/internal-squads", "", what));
  if (r.status != 200) return client.Unexpected(what, r);
  VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
  auto list = resp.is_object() ? resp.find("internalSquads") : resp.end();
  if (!resp.is_object() || list == resp.end() || !list->is_array()) {
    return Internal("Remnawave API " + what + " answered without internalSquads");
  }
  std::vector<Squad> out;
  for (const auto& item : *list) {
    if (!item.is_object()) continue;
    out.push_back({StringField(item, "uuid"), StringField(item, "name")});
  }
  return out;
}

Result<std::optional<PanelUser>> RemnawaveBackend::GetUserByUsername(const Server& server,
                                                                     const std::string& username) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  const std::string what = "GET /api/users/by-username/{username}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      client.Send("GET", "/users/by-username/" + formats::PercentEncode(username), "", what));
  if (r.status == 404) return std::optional<PanelUser>();
  if (r.status != 200) return client.Unexpected(what, r);
  VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
  VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUser(resp));
  return std::optional<PanelUser>(std::move(user));
}

Result<std::vector<PanelUser>> RemnawaveBackend::ListUsers(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  const std::string what = "GET /api/users";
  const int size = std::clamp(options_.page_size, 1, 1000);
  std::vector<PanelUser> out;
  std::int64_t start = 0;
  std::int64_t total = -1;
  // Each page moves `start` on by what it held; a page that holds nothing ends the listing, and
  // so does reaching the total the panel reports.
  for (int page = 0;; ++page) {
    const std::string route =
        "/users?start=" + std::to_string(start) + "&size=" + std::to_string(size);
    VPNHUB_ASSIGN_OR_RETURN(auto r, client.Send("GET", route, "", what));
    if (r.status != 200) return client.Unexpected(what, r);
    VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
    auto users = resp.is_object() ? resp.find("users") : resp.end();
    if (!resp.is_object() || users == resp.end() || !users->is_array()) {
      return Internal("Remnawave API " + what + " answered without users");
    }
    total = IntField(resp, "total").value_or(0);
    for (const auto& item : *users) {
      VPNHUB_ASSIGN_OR_RETURN(auto u, ParseUser(item));
      out.push_back(std::move(u));
    }
    start += static_cast<std::int64_t>(users->size());
    if (users->empty() || start >= total) break;
    if (page > total / size + 1) {
      return Internal("Remnawave API " + what + " keeps answering pages past its total");
    }
  }
  return out;
}

Status RemnawaveBackend::CreateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("the key has no remote name");
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  const RemnawaveSettings& s = client.settings();
  json body = {
      {"username", key.remote_name},
      {"status", "ACTIVE"},
      {"expireAt", IsoUtc(key.expires_at)},
      {"trafficLimitBytes", key.traffic_limit_bytes > 0 ? key.traffic_limit_bytes : 0},
      {"trafficLimitStrategy", "NO_RESET"},
      {"activeInternalSquads", s.squads},
      {"description", "VPNHub key " + std::to_string(key.id)},
  };
  if (!key.secret.empty()) body["trojanPassword"] = key.secret;
  if (options_.limit_ip > 0) body["hwidDeviceLimit"] = options_.limit_ip;
  if (auto tg = TelegramId(key.remote_name)) body["telegramId"] = *tg;
  const std::string what = "POST /api/users";
  VPNHUB_ASSIGN_OR_RETURN(auto r, client.Send("POST", "/users", body.dump(), what));
  if (r.status == 200 || r.status == 201) {
    VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
    VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUser(resp));
    Remember(server, key.remote_name, RemoteData(user));
    return Status::Ok();
  }
  if (r.status != 400 || ErrorCode(r.body) != kUsernameExists) {
    return client.Unexpected(what, r);
  }
  // The username is taken: by an earlier try of this key (our secret), or by someone else.
  VPNHUB_ASSIGN_OR_RETURN(auto existing, GetUserByUsername(server, key.remote_name));
  if (!existing) {
    return Unavailable("Remnawave API at " + s.api.host_port + ": the user " + key.remote_name +
                       " exists and then does not (deleted meanwhile?)");
  }
  if (!key.secret.empty() && existing->trojan_password != key.secret) {
    return AlreadyExists("the Remnawave panel at " + s.api.host_port + " has another user named " +
                         key.remote_name);
  }
  Remember(server, key.remote_name, RemoteData(*existing));
  return Status::Ok();
}

Result<std::string> RemnawaveBackend::FetchRemoteData(const Server& server, const Key& key) {
  std::string data;
  if (auto made = Take(server, key.remote_name)) {
    data = std::move(*made);
  } else {
    VPNHUB_ASSIGN_OR_RETURN(auto user, GetUserByUsername(server, key.remote_name));
    if (!user) return Unavailable("the Remnawave panel has no user named " + key.remote_name);
    data = RemoteData(*user);
  }
  json j = json::parse(data, nullptr, false);
  if (!j.is_object()) return Internal("the Remnawave user's data is not an object");
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  VPNHUB_ASSIGN_OR_RETURN(auto links, FetchLinks(client, StringField(j, "shortUuid")));
  j["links"] = links;
  return j.dump();
}

Status RemnawaveBackend::UpdateKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  const RemnawaveSettings& s = client.settings();
  json body = {
      {"username", key.remote_name},
      {"trafficLimitBytes", key.traffic_limit_bytes > 0 ? key.traffic_limit_bytes : 0},
  };
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (key.expires_at > Time{} && key.expires_at <= now) {
    body["status"] = "DISABLED";  // its term is over; the API takes no expiry in the past
  } else {
    body["status"] = "ACTIVE";
    body["expireAt"] = IsoUtc(key.expires_at);
  }
  if (options_.limit_ip > 0) body["hwidDeviceLimit"] = options_.limit_ip;
  const std::string what = "PATCH /api/users";
  VPNHUB_ASSIGN_OR_RETURN(auto r, client.Send("PATCH", "/users", body.dump(), what));
  if (r.status == 200) return Status::Ok();
  if (r.status == 404) {
    return NotFound("the Remnawave panel at " + s.api.host_port + " has no user named " +
                    key.remote_name);
  }
  return client.Unexpected(what, r);
}

Status RemnawaveBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, Client(server));
  (void)Take(server, key.remote_name);
  VPNHUB_ASSIGN_OR_RETURN(auto user, GetUserByUsername(server, key.remote_name));
  if (!user) return Status::Ok();
  // 3.x addresses a user by its numeric id, 2.x by its uuid (3.x users have none).
  const std::string id = !user->uuid.empty() ? user->uuid : std::to_string(user->id);
  const std::string what = "DELETE /api/users/{id}";
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          client.Send("DELETE", "/users/" + formats::PercentEncode(id), "", what));
  if (r.status == 200 || r.status == 204 || r.status == 404) return Status::Ok();
  return client.Unexpected(what, r);
}

Result<std::vector<ports::RemoteKey>> RemnawaveBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto users, ListUsers(server));
  std::vector<ports::RemoteKey> out;
  out.reserve(users.size());
  for (auto& u : users) out.push_back({std::move(u.username), std::move(u.trojan_password)});
  return out;
}

Status RemnawaveBackend::Ping(const Server& server) { return ListSquads(server).status(); }

Result<std::optional<std::vector<ports::KeyTraffic>>> RemnawaveBackend::Traffic(
    const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto users, ListUsers(server));
  std::vector<ports::KeyTraffic> out;
  out.reserve(users.size());
  for (auto& u : users) out.push_back({std::move(u.username), u.used_traffic_bytes});
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string RemnawaveBackend::NewSecret(ports::SecretSource& secrets) const {
  return secrets.Token(kSecretLength);
}

Result<ports::KeyDelivery> RemnawaveBackend::Delivery(const Server& server, const Key& key,
                                                      const std::string& name) const {
  (void)name;  // a subscription URL carries no name: the panel's subscription names the links
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const json j = json::parse(key.remote_data, nullptr, false);
  const std::string url = j.is_object() ? StringField(j, "subscriptionUrl") : "";
  if (url.empty()) {
    return FailedPrecondition("the Remnawave key has no subscription URL yet (not provisioned)");
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return FailedPrecondition("the Remnawave key's subscription URL is not one line of text");
    }
  }
  std::string link;
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) {
    link = url;
  } else if (url.front() == '/') {
    link = s.api.origin + url;
  } else {
    link = "https://" + url;
  }
  VPNHUB_ASSIGN_OR_RETURN(auto links, LinksFromRemoteData(key.remote_data));
  ports::KeyDelivery out;
  out.link = link;
  out.qr_text = std::move(link);
  out.links = std::move(links);
  return out;
}

Status PrepareRemnawaveServer(const RemnawaveOptions& options, Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  RemnawaveBackend backend(options);
  auto squads = backend.ListSquads(server);
  if (!squads.ok()) {
    return Status(squads.status().code(),
                  "the Remnawave panel does not answer as one: " + squads.status().message());
  }
  std::string known;
  for (const Squad& q : *squads) {
    known += (known.empty() ? "" : ", ") + q.uuid + " (" + q.name + ")";
  }
  if (known.empty()) known = "none";
  if (s.squads.empty()) {
    if (squads->size() != 1) {
      return FailedPrecondition("give --squad: the panel has " + std::to_string(squads->size()) +
                                " internal squads: " + known);
    }
    server.settings["squads"] = squads->front().uuid;
  }
  for (const std::string& want : s.squads) {
    const bool found =
        std::any_of(squads->begin(), squads->end(), [&](const Squad& q) { return q.uuid == want; });
    if (!found) {
      return FailedPrecondition("the panel has no internal squad " + want +
                                " (its squads: " + known + ")");
    }
  }
  if (server.public_host.empty()) server.public_host = s.api.host;
  return Status::Ok();
}

}  // namespace vpnhub::vpn::remnawave
