#include "vpn/marzban/marzban_backend.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "core/host_rules.hpp"
#include "core/time.hpp"
#include "vpn/amneziawg/amneziawg_backend.hpp"

namespace vpnhub::vpn::marzban {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCached = 4096;

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("marzban setting \"" + name + "\" " + why);
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The credential fields of a proxy entry.
bool HoldsSecret(const json& user, const std::string& secret) {
  auto proxies = user.find("proxies");
  if (proxies == user.end() || !proxies->is_object()) return false;
  for (const auto& [protocol, settings] : proxies->items()) {
    if (!settings.is_object()) continue;
    for (const char* field : {"id", "password"}) {
      auto it = settings.find(field);
      if (it != settings.end() && it->is_string() &&
          Lower(it->get<std::string>()) == Lower(secret)) {
        return true;
      }
    }
  }
  return false;
}

std::string SecretOf(const json& user) {
  auto proxies = user.find("proxies");
  if (proxies == user.end() || !proxies->is_object()) return "";
  for (const char* protocol : {"vless", "vmess", "trojan", "shadowsocks"}) {
    auto p = proxies->find(protocol);
    if (p == proxies->end() || !p->is_object()) continue;
    for (const char* field : {"id", "password"}) {
      auto it = p->find(field);
      if (it != p->end() && it->is_string()) return it->get<std::string>();
    }
  }
  return "";
}

// {"username", "subscription_url", "links"} of a UserResponse.
Result<std::string> RemoteDataOf(const std::string& what, const json& user) {
  if (!user.contains("username") || !user["username"].is_string() ||
      !user.contains("subscription_url") || !user["subscription_url"].is_string() ||
      user["subscription_url"].get<std::string>().empty()) {
    return Internal(what + ": the user has no username or subscription_url");
  }
  json links = json::array();
  if (user.contains("links") && user["links"].is_array()) {
    for (const json& l : user["links"]) {
      if (l.is_string()) links.push_back(l);
    }
  }
  return json{{"username", user["username"]},
              {"subscription_url", user["subscription_url"]},
              {"links", links}}
      .dump();
}

std::int64_t ExpireSeconds(const Key& key) {
  const std::int64_t ms = ToUnixMs(key.expires_at);
  if (ms <= 0) return 0;  // no expiry
  return (ms + 999) / 1000;
}

std::uint64_t Fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

Result<std::pair<std::string, std::string>> NormalizeUrl(const std::string& value) {
  VPNHUB_ASSIGN_OR_RETURN(auto url, amneziawg::NormalizeApiUrl(value));
  const std::string rest = url.substr(url.find("://") + 3);
  const std::string authority = rest.substr(0, rest.find('/'));
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    host = authority.substr(1, authority.find(']') - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  return std::make_pair(url, host);
}

std::string MarzbanUsername(const std::string& remote_name) {
  std::string out;
  for (char c : Lower(remote_name)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out += keep ? c : '_';
  }
  if (out.size() > 32) {
    char hash[9];
    std::snprintf(hash, sizeof hash, "%08x",
                  static_cast<unsigned>(Fnv1a(remote_name) & 0xffffffffu));
    out = out.substr(0, 23) + "_" + hash;
  }
  while (out.size() < 3) out += '_';
  return out;
}

Result<MarzbanSettings> ParseSettings(const ServerSettings& settings) {
  MarzbanSettings out;
  auto get = [&](const char* name) {
    auto it = settings.find(name);
    return it == settings.end() ? std::string() : it->second;
  };
  const std::string url = get("api_url");
  if (url.empty()) return BadSetting("api_url", "is required (the Marzban panel's base URL)");
  auto checked = NormalizeUrl(url);
  if (!checked.ok()) return BadSetting("api_url", checked.status().message());
  out.api_url = checked->first;
  out.host = checked->second;
  out.username = get("username");
  if (out.username.empty()) return BadSetting("username", "is required (the panel admin)");
  out.password = get("password");
  if (out.password.empty()) return BadSetting("password", "is required (the admin's password)");
  const std::string map = get("inbound_map");
  if (map.empty()) {
    return BadSetting("inbound_map",
                      "is missing (`server add` writes it after asking the panel's inbounds)");
  }
  out.inbound_map = json::parse(map, nullptr, false);
  bool ok = out.inbound_map.is_object() && !out.inbound_map.empty();
  if (ok) {
    for (const auto& [protocol, tags] : out.inbound_map.items()) {
      ok = ok && !protocol.empty() && tags.is_array();
      if (!ok) break;
      for (const json& t : tags) ok = ok && t.is_string() && !t.get<std::string>().empty();
    }
  }
  if (!ok) {
    return BadSetting("inbound_map", "must be a JSON object {\"protocol\": [\"TAG\", ...]}");
  }
  const std::string sub = get("sub_url_base");
  if (sub.empty()) {
    out.sub_url_base = out.api_url;
  } else {
    auto base = NormalizeUrl(sub);
    if (!base.ok()) return BadSetting("sub_url_base", base.status().message());
    out.sub_url_base = base->first;
  }
  return out;
}

Result<RemoteUser> ParseRemoteData(const std::string& remote_data) {
  if (remote_data.empty()) {
    return FailedPrecondition("the key has no subscription from its Marzban panel yet");
  }
  auto parsed = json::parse(remote_data, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("username") || !parsed["username"].is_string() ||
      !parsed.contains("subscription_url") || !parsed["subscription_url"].is_string() ||
      parsed["subscription_url"].get<std::string>().empty()) {
    return FailedPrecondition(
        "the key's remote data is not {\"username\", \"subscription_url\", \"links\"}");
  }
  RemoteUser out;
  out.username = parsed["username"].get<std::string>();
  out.subscription_url = parsed["subscription_url"].get<std::string>();
  if (parsed.contains("links") && parsed["links"].is_array()) {
    for (const json& l : parsed["links"]) {
      if (l.is_string()) out.links.push_back(l.get<std::string>());
    }
  }
  return out;
}

std::string AbsoluteSubscriptionUrl(const std::string& base, const std::string& subscription_url) {
  if (subscription_url.rfind("http://", 0) == 0 || subscription_url.rfind("https://", 0) == 0) {
    return subscription_url;
  }
  return base + (subscription_url.front() == '/' ? "" : "/") + subscription_url;
}

MarzbanBackend::MarzbanBackend(std::chrono::milliseconds call_deadline)
    : call_deadline_(call_deadline) {}

Result<std::shared_ptr<MarzbanClient>> MarzbanBackend::ClientFor(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string key = s.api_url + '\n' + s.username + '\n' + s.password;
  std::lock_guard lock(mu_);
  auto& client = clients_[key];
  if (!client) {
    client = std::make_shared<MarzbanClient>(s.api_url, s.username, s.password, call_deadline_);
  }
  return client;
}

void MarzbanBackend::Remember(const std::string& cache_key, const json& user) {
  auto data = RemoteDataOf("", user);
  if (!data.ok()) return;
  std::lock_guard lock(mu_);
  if (created_.size() >= kMaxCached) created_.clear();
  created_[cache_key] = *data;
}

Status MarzbanBackend::ValidateSettings(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  if (server.capacity < 0) return InvalidArgument("capacity must not be negative");
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> MarzbanBackend::KeyPorts(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  return std::optional<ports::KeyPortRange>();
}

Status MarzbanBackend::CreateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("key has no remote name");
  if (key.secret.empty()) return InvalidArgument("key has no secret");
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  const std::string username = MarzbanUsername(key.remote_name);
  json proxies = json::object();
  for (const auto& [protocol, tags] : s.inbound_map.items()) {
    const bool by_id = protocol == "vless" || protocol == "vmess";
    proxies[protocol] = json{{by_id ? "id" : "password", key.secret}};
  }
  const json user = {{"username", username},
                     {"proxies", proxies},
                     {"inbounds", s.inbound_map},
                     {"expire", ExpireSeconds(key)},
                     {"data_limit", std::max<std::int64_t>(0, key.traffic_limit_bytes)},
                     {"data_limit_reset_strategy", "no_reset"},
                     {"status", "active"},
                     {"note", "vpnhub key " + std::to_string(key.id)}};
  const std::string cache_key = s.api_url + '\n' + username;
  auto created = client->CreateUser(user);
  if (created.ok()) {
    Remember(cache_key, *created);
    return Status::Ok();
  }
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  // The username is taken: this key's user from an earlier attempt, or someone else's.
  auto existing = client->GetUser(username);
  if (existing.status().code() == StatusCode::kNotFound) {
    return Unavailable("Marzban at " + s.api_url + ": user " + username +
                       " was reported to exist and then was not there");
  }
  VPNHUB_RETURN_IF_ERROR(existing);
  if (!HoldsSecret(*existing, key.secret)) {
    return AlreadyExists("Marzban at " + s.api_url + " already has a user " + username +
                         " with another credential; it is left alone");
  }
  Remember(cache_key, *existing);
  return Status::Ok();
}

Result<std::string> MarzbanBackend::FetchRemoteData(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string username = MarzbanUsername(key.remote_name);
  {
    std::lock_guard lock(mu_);
    auto it = created_.find(s.api_url + '\n' + username);
    if (it != created_.end()) {
      std::string data = std::move(it->second);
      created_.erase(it);
      return data;
    }
  }
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  auto user = client->GetUser(username);
  if (user.status().code() == StatusCode::kNotFound) {
    return Unavailable("Marzban at " + s.api_url + " has no user " + username +
                       " (removed since it was created?)");
  }
  VPNHUB_RETURN_IF_ERROR(user);
  if (!HoldsSecret(*user, key.secret)) {
    return FailedPrecondition("Marzban at " + s.api_url + ": user " + username +
                              " holds another credential than the key's");
  }
  return RemoteDataOf("Marzban at " + s.api_url + ": GET /api/user/" + username, *user);
}

Status MarzbanBackend::UpdateKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  const std::string username = MarzbanUsername(key.remote_name);
  const json changes = {{"expire", ExpireSeconds(key)},
                        {"data_limit", std::max<std::int64_t>(0, key.traffic_limit_bytes)},
                        {"data_limit_reset_strategy", "no_reset"}};
  auto updated = client->ModifyUser(username, changes);
  if (updated.status().code() == StatusCode::kNotFound) {
    return FailedPrecondition(updated.status().message() + " (the key's user is not there)");
  }
  return updated.status();
}

Status MarzbanBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string username = MarzbanUsername(key.remote_name);
  {
    std::lock_guard lock(mu_);
    created_.erase(s.api_url + '\n' + username);
  }
  const Status st = client->DeleteUser(username);
  if (st.code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  return st;
}

Result<std::vector<json>> MarzbanBackend::OurUsers(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  std::vector<json> out;
  for (int offset = 0;;) {
    VPNHUB_ASSIGN_OR_RETURN(auto page, client->Users(offset, kPageSize));
    const json& users = page["users"];
    for (const json& u : users) {
      if (!u.is_object() || !u.contains("username") || !u["username"].is_string()) {
        return Internal("Marzban at " + client->base_url() + ": a listed user has no username");
      }
      if (u["username"].get<std::string>().rfind(kOurUsernamePrefix, 0) == 0) out.push_back(u);
    }
    offset += static_cast<int>(users.size());
    const bool has_total = page.contains("total") && page["total"].is_number_integer();
    if (users.size() < static_cast<std::size_t>(kPageSize)) break;
    if (has_total && offset >= page["total"].get<std::int64_t>()) break;
  }
  return out;
}

Result<std::vector<ports::RemoteKey>> MarzbanBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto users, OurUsers(server));
  std::vector<ports::RemoteKey> out;
  out.reserve(users.size());
  for (const json& u : users) out.push_back({u["username"].get<std::string>(), SecretOf(u)});
  return out;
}

Status MarzbanBackend::Ping(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  return client->CheckAdmin();
}

Result<std::optional<std::vector<ports::KeyTraffic>>> MarzbanBackend::Traffic(
    const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto users, OurUsers(server));
  std::vector<ports::KeyTraffic> out;
  for (const json& u : users) {
    auto it = u.find("used_traffic");
    if (it == u.end() || !it->is_number()) continue;
    const double bytes = it->get<double>();
    if (!(bytes >= 0)) continue;
    out.push_back({u["username"].get<std::string>(), it->is_number_unsigned()
                                                         ? it->get<std::uint64_t>()
                                                         : static_cast<std::uint64_t>(bytes)});
  }
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string MarzbanBackend::NewSecret(ports::SecretSource& secrets) const {
  // One hex digit per token character of [A-Za-z0-9]: its place in that alphabet modulo 16
  // (digits 0-13 come from 4 characters each, 14 and 15 from 3: about 3.99 bits each, 122 bits
  // in the UUID's 30 free digits).
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (char c : secrets.Token(32)) {
    const std::size_t i = kAlphabet.find(c);
    hex += kHex[(i == std::string::npos ? 0 : i) % 16];
  }
  hex[12] = '4';                      // version 4
  hex[16] = kHex[8 + (hex[16] % 4)];  // variant 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Result<ports::KeyDelivery> MarzbanBackend::Delivery(const Server& server, const Key& key,
                                                    const std::string& name) const {
  (void)name;  // a subscription URL carries no name: the panel names its links
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto remote, ParseRemoteData(key.remote_data));
  ports::KeyDelivery out;
  out.link = AbsoluteSubscriptionUrl(s.sub_url_base, remote.subscription_url);
  out.qr_text = out.link;
  out.links = std::move(remote.links);
  return out;
}

Status PrepareServer(std::chrono::milliseconds call_deadline, Server& server) {
  // inbound_map is what this writes: parse the rest with a placeholder.
  ServerSettings probe = server.settings;
  probe["inbound_map"] = R"({"vless":["-"]})";
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(probe));
  MarzbanClient client(s.api_url, s.username, s.password, call_deadline);
  Status login = client.Login();
  if (!login.ok()) {
    return Status(login.code(), "the Marzban panel does not let the hub in: " + login.message());
  }
  auto inbounds = client.Inbounds();
  if (!inbounds.ok()) {
    return Status(inbounds.status().code(),
                  "the Marzban panel does not list its inbounds: " + inbounds.status().message());
  }
  // tag -> protocol, as the panel lists them.
  std::map<std::string, std::string> protocol_of;
  std::vector<std::string> all_tags;
  for (const auto& [protocol, list] : inbounds->items()) {
    if (!list.is_array()) continue;
    for (const json& inbound : list) {
      if (!inbound.is_object() || !inbound.contains("tag") || !inbound["tag"].is_string()) {
        continue;
      }
      const std::string tag = inbound["tag"].get<std::string>();
      protocol_of[tag] = protocol;
      all_tags.push_back(tag);
    }
  }
  std::vector<std::string> chosen;
  auto given = server.settings.find("inbounds");
  if (given != server.settings.end() && !given->second.empty()) {
    std::string rest = given->second;
    for (std::size_t at = 0; at <= rest.size();) {
      const std::size_t comma = std::min(rest.find(',', at), rest.size());
      if (comma > at) chosen.push_back(rest.substr(at, comma - at));
      at = comma + 1;
    }
  } else {
    chosen = all_tags;
  }
  if (chosen.empty()) return FailedPrecondition("the Marzban panel has no inbounds");
  json map = json::object();
  std::string known;
  for (const std::string& tag : all_tags) known += (known.empty() ? "\"" : ", \"") + tag + "\"";
  for (const std::string& tag : chosen) {
    auto it = protocol_of.find(tag);
    if (it == protocol_of.end()) {
      return FailedPrecondition("the Marzban panel has no inbound \"" + tag +
                                "\" (its inbounds: " + known + ")");
    }
    map[it->second].push_back(tag);
  }
  server.settings["inbound_map"] = map.dump();
  if (server.public_host.empty()) server.public_host = s.host;
  return Status::Ok();
}

}  // namespace vpnhub::vpn::marzban
