#include "vpn/remnawave/remnawave_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/host_rules.hpp"
#include "vpn/amneziawg/awg_easy_client.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

using nlohmann::json;

constexpr std::size_t kSecretLength = 24;
// Errors.ts: USER_USERNAME_ALREADY_EXISTS.
constexpr const char* kUsernameExists = "A019";
// Entries of the made-data cache beyond which it is dropped (keys whose data nobody fetched).
constexpr std::size_t kMaxRemembered = 4096;

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("remnawave setting \"" + name + "\" " + why);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string PercentEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

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

std::string StringField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return "";
}

std::optional<std::int64_t> IntField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return static_cast<std::int64_t>(it->get<double>());
}

Result<PanelUser> ParseUser(const json& j) {
  if (!j.is_object()) return Internal("Remnawave API: a user that is not a JSON object");
  PanelUser u;
  u.username = StringField(j, "username");
  if (u.username.empty()) return Internal("Remnawave API: a user without a username");
  u.id = IntField(j, "id").value_or(0);
  u.uuid = StringField(j, "uuid");
  u.short_uuid = StringField(j, "shortUuid");
  u.status = StringField(j, "status");
  u.trojan_password = StringField(j, "trojanPassword");
  u.vless_uuid = StringField(j, "vlessUuid");
  u.subscription_url = StringField(j, "subscriptionUrl");
  u.expire_at = StringField(j, "expireAt");
  u.traffic_limit_bytes = IntField(j, "trafficLimitBytes").value_or(0);
  u.hwid_device_limit = IntField(j, "hwidDeviceLimit");
  u.telegram_id = IntField(j, "telegramId");
  if (auto s = j.find("activeInternalSquads"); s != j.end() && s->is_array()) {
    for (const auto& item : *s) {
      if (item.is_object()) u.squads.push_back(StringField(item, "uuid"));
      if (item.is_string()) u.squads.push_back(item.get<std::string>());
    }
  }
  if (auto t = j.find("userTraffic"); t != j.end() && t->is_object()) {
    const auto used = IntField(*t, "usedTrafficBytes").value_or(0);
    u.used_traffic_bytes = used > 0 ? static_cast<std::uint64_t>(used) : 0;
  } else if (auto used = IntField(j, "usedTrafficBytes")) {  // 2.x before userTraffic
    u.used_traffic_bytes = *used > 0 ? static_cast<std::uint64_t>(*used) : 0;
  }
  if (u.id == 0 && u.uuid.empty()) return Internal("Remnawave API: a user without an id");
  return u;
}

std::string RemoteData(const PanelUser& u) {
  json j = {{"id", u.id}, {"shortUuid", u.short_uuid}, {"subscriptionUrl", u.subscription_url}};
  if (!u.uuid.empty()) j["uuid"] = u.uuid;
  return j.dump();
}

// The body's {"response": ...}.
Result<json> Response(const std::string& what, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("response")) {
    return Internal("Remnawave API " + what + " answered without {\"response\": ...}");
  }
  return j["response"];
}

// An error body's message and code: {"message","errorCode"} or zod's {"message","errors":[...]}.
std::string ErrorDetail(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return "";
  std::string out = StringField(j, "message");
  const std::string code = StringField(j, "errorCode");
  if (!code.empty()) out += (out.empty() ? "" : " ") + std::string("(") + code + ")";
  if (auto errors = j.find("errors"); errors != j.end() && errors->is_array()) {
    for (const auto& e : *errors) {
      if (!e.is_object()) continue;
      std::string path;
      if (auto p = e.find("path"); p != e.end() && p->is_array()) {
        for (const auto& part : *p) {
          if (part.is_string()) path += (path.empty() ? "" : ".") + part.get<std::string>();
        }
      }
      out += "; " + (path.empty() ? std::string() : path + ": ") + StringField(e, "message");
    }
  }
  if (out.size() > 300) out.resize(300);
  return out;
}

std::string ErrorCode(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  return j.is_object() ? StringField(j, "errorCode") : "";
}

}  // namespace

Result<PanelUrl> ParsePanelUrl(const std::string& text) {
  std::string scheme;
  if (text.rfind("https://", 0) == 0) {
    scheme = "https://";
  } else if (text.rfind("http://", 0) == 0) {
    scheme = "http://";
  } else {
    return InvalidArgument("the API URL must start with https:// or http://");
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '@' || c == '\\') {
      return InvalidArgument(
          "the API URL must be http(s)://HOST[:PORT][/PATH] without blanks, query, fragment or "
          "user");
    }
  }
  const std::string rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (authority.empty()) return InvalidArgument("the API URL has no host");
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, "/api") == 0) {
    path.resize(path.size() - 4);
  }
  PanelUrl out;
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument("the API URL's IPv6 host lacks ']'");
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("the API URL's host is not valid");
      port_text = after.substr(1);
    }
    if (!ParseIpv6(out.host)) return InvalidArgument("the API URL's IPv6 host is not valid");
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    if (out.host.empty()) return InvalidArgument("the API URL has no host");
    if (!CheckHost("host", out.host).ok()) {
      return InvalidArgument("the API URL's host is not a host name or an IP address");
    }
  }
  int port = scheme == "https://" ? 443 : 80;
  if (!port_text.empty() || authority.back() == ':') {
    const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                        std::all_of(port_text.begin(), port_text.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    port = digits ? std::stoi(port_text) : 0;
    if (port < 1 || port > 65535) return InvalidArgument("the API URL's port must be 1..65535");
  }
  const bool v6 = out.host.find(':') != std::string::npos;
  out.host_port = (v6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(port);
  out.origin = scheme + authority;
  out.base = out.origin + path;
  return out;
}

Status CheckUuid(const std::string& text) {
  static const int kGroups[] = {8, 4, 4, 4, 12};
  std::size_t at = 0;
  for (int g = 0; g < 5; ++g) {
    for (int i = 0; i < kGroups[g]; ++i, ++at) {
      if (at >= text.size() || !IsHex(text[at])) {
        return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
      }
    }
    if (g < 4) {
      if (at >= text.size() || text[at] != '-') {
        return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
      }
      ++at;
    }
  }
  if (at != text.size()) return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
  return Status::Ok();
}

Result<RemnawaveSettings> ParseSettings(const ServerSettings& settings) {
  RemnawaveSettings out;
  auto url = settings.find("api_url");
  if (url == settings.end() || url->second.empty()) {
    return BadSetting("api_url", "is required (--api-url, the panel's base URL)");
  }
  auto api = ParsePanelUrl(url->second);
  if (!api.ok()) return BadSetting("api_url", "is not valid: " + api.status().message());
  out.api = std::move(*api);
  auto token = settings.find("token");
  if (token == settings.end() || token->second.empty()) {
    return BadSetting("token", "is required (--token, an API token made in the panel)");
  }
  out.token = token->second;
  for (char c : out.token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return BadSetting("token", "must be printable without blanks");
  }
  if (auto squads = settings.find("squads"); squads != settings.end()) {
    std::string item;
    const std::string& text = squads->second;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == ',') {
        if (!item.empty()) {
          if (!CheckUuid(item).ok()) {
            return BadSetting("squads", "holds \"" + item + "\", which is not a UUID");
          }
          if (std::find(out.squads.begin(), out.squads.end(), item) == out.squads.end()) {
            out.squads.push_back(item);
          }
        }
        item.clear();
      } else {
        item += text[i];
      }
    }
  }
  return out;
}

RemnawaveBackend::RemnawaveBackend(RemnawaveOptions options) : options_(options) {}

Result<RemnawaveBackend::Reply> RemnawaveBackend::Send(const RemnawaveSettings& s,
                                                       const char* method, const std::string& route,
                                                       const std::string& body,
                                                       const std::string& what) {
  std::vector<std::string> headers = {
      "Accept: application/json",
      "Expect:",
      "Authorization: Bearer " + s.token,
      // The panel's proxy-check middleware drops a request without these (it wants its reverse
      // proxy in front, over HTTPS).
      "X-Forwarded-For: 127.0.0.1",
      "X-Forwarded-Proto: https",
  };
  if (!body.empty()) headers.push_back("Content-Type: application/json");
  const std::string url = s.api.base + "/api" + route;
  auto r = amneziawg::HttpCall(method, url, headers, body, options_.call_deadline);
  if (!r.ok()) {
    // HttpCall's message starts "METHOD URL: "; the URL's path may be a secret.
    std::string detail = r.status().message();
    const std::string prefix = std::string(method) + " " + url + ": ";
    if (detail.rfind(prefix, 0) == 0) detail = detail.substr(prefix.size());
    return Status(r.status().code(),
                  "Remnawave API at " + s.api.host_port + " " + what + ": " + detail);
  }
  return Reply{r->status, std::move(r->body)};
}

namespace {

// An answer the call did not expect, as a Status.
Status Unexpected(const RemnawaveSettings& s, const std::string& what, long status,
                  const std::string& body) {
  const std::string detail = ErrorDetail(body);
  const std::string msg = "Remnawave API at " + s.api.host_port + " " + what + " answered HTTP " +
                          std::to_string(status) + (detail.empty() ? "" : ": " + detail);
  if (status >= 500 || status == 408 || status == 429) return Unavailable(msg);
  if (status == 401 || status == 403) {
    return FailedPrecondition(msg + " (the panel refuses the API token)");
  }
  if (status == 404) {
    return FailedPrecondition(msg + " (no such route: is the API URL the panel's base URL?)");
  }
  return FailedPrecondition(msg);
}

}  // namespace

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
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string what = "GET /api/internal-squads";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(s, "GET", "/internal-squads", "", what));
  if (r.status != 200) return Unexpected(s, what, r.status, r.body);
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
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string what = "GET /api/users/by-username/{username}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, Send(s, "GET", "/users/by-username/" + PercentEncode(username), "", what));
  if (r.status == 404) return std::optional<PanelUser>();
  if (r.status != 200) return Unexpected(s, what, r.status, r.body);
  VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
  VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUser(resp));
  return std::optional<PanelUser>(std::move(user));
}

Result<std::vector<PanelUser>> RemnawaveBackend::ListUsers(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
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
    VPNHUB_ASSIGN_OR_RETURN(auto r, Send(s, "GET", route, "", what));
    if (r.status != 200) return Unexpected(s, what, r.status, r.body);
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
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
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
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(s, "POST", "/users", body.dump(), what));
  if (r.status == 200 || r.status == 201) {
    VPNHUB_ASSIGN_OR_RETURN(auto resp, Response(what, r.body));
    VPNHUB_ASSIGN_OR_RETURN(auto user, ParseUser(resp));
    Remember(server, key.remote_name, RemoteData(user));
    return Status::Ok();
  }
  if (r.status != 400 || ErrorCode(r.body) != kUsernameExists) {
    return Unexpected(s, what, r.status, r.body);
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
  if (auto made = Take(server, key.remote_name)) return *made;
  VPNHUB_ASSIGN_OR_RETURN(auto user, GetUserByUsername(server, key.remote_name));
  if (!user) return Unavailable("the Remnawave panel has no user named " + key.remote_name);
  return RemoteData(*user);
}

Status RemnawaveBackend::UpdateKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
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
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(s, "PATCH", "/users", body.dump(), what));
  if (r.status == 200) return Status::Ok();
  if (r.status == 404) {
    return NotFound("the Remnawave panel at " + s.api.host_port + " has no user named " +
                    key.remote_name);
  }
  return Unexpected(s, what, r.status, r.body);
}

Status RemnawaveBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  (void)Take(server, key.remote_name);
  VPNHUB_ASSIGN_OR_RETURN(auto user, GetUserByUsername(server, key.remote_name));
  if (!user) return Status::Ok();
  // 3.x addresses a user by its numeric id, 2.x by its uuid (3.x users have none).
  const std::string id = !user->uuid.empty() ? user->uuid : std::to_string(user->id);
  const std::string what = "DELETE /api/users/{id}";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(s, "DELETE", "/users/" + PercentEncode(id), "", what));
  if (r.status == 200 || r.status == 204 || r.status == 404) return Status::Ok();
  return Unexpected(s, what, r.status, r.body);
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
  ports::KeyDelivery out;
  out.link = link;
  out.qr_text = std::move(link);
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
