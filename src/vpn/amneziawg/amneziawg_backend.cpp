#include "vpn/amneziawg/amneziawg_backend.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/host_rules.hpp"
#include "formats/awg_conf.hpp"
#include "formats/conf_file_name.hpp"

namespace vpnhub::vpn::amneziawg {
namespace {

using nlohmann::json;

constexpr std::size_t kSecretLength = 22;

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("amneziawg setting \"" + name + "\" " + why);
}

// The checks of an api_url value; the message says what is wrong without naming the setting.
Result<std::pair<std::string, std::string>> CheckApiUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string rest;
  for (const char* scheme : {"http://", "https://"}) {
    if (url.rfind(scheme, 0) == 0) rest = url.substr(std::string(scheme).size());
  }
  if (rest.empty()) return InvalidArgument("must be an http:// or https:// URL with a host");
  for (unsigned char c : url) {
    if (c <= ' ' || c >= 0x7f) return InvalidArgument("must not contain spaces or control bytes");
    if (c == '@' || c == '?' || c == '#') {
      return InvalidArgument("must have no user name, query or fragment ('@', '?', '#')");
    }
  }
  const std::string authority = rest.substr(0, rest.find('/'));
  std::string host, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument("has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return InvalidArgument("has junk after ']'");
    if (!after.empty()) port = after.substr(1);
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  Status h = CheckHost("its host", host);
  if (!h.ok()) return InvalidArgument(h.message());
  if (!port.empty()) {
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    const int n = digits ? std::stoi(port) : 0;
    if (n < 1 || n > 65535) return InvalidArgument("has a port that is not 1..65535");
  }
  return std::make_pair(url, host);
}

const AwgClient* FindByName(const std::vector<AwgClient>& clients, const std::string& name) {
  auto it = std::find_if(clients.begin(), clients.end(),
                         [&](const AwgClient& c) { return c.name == name; });
  return it == clients.end() ? nullptr : &*it;
}

bool IsOurs(const AwgClient& c) { return c.name.rfind(kOurNamePrefix, 0) == 0; }

}  // namespace

Result<AmneziaWgSettings> ParseSettings(const ServerSettings& settings) {
  AmneziaWgSettings out;
  auto url = settings.find("api_url");
  if (url == settings.end() || url->second.empty()) {
    return BadSetting("api_url", "is required (the amnezia-wg-easy web UI URL)");
  }
  auto checked = CheckApiUrl(url->second);
  if (!checked.ok()) return BadSetting("api_url", checked.status().message());
  out.api_url = checked->first;
  out.host = checked->second;
  auto password = settings.find("password");
  if (password == settings.end() || password->second.empty()) {
    return BadSetting("password", "is required (the amnezia-wg-easy web UI password)");
  }
  out.password = password->second;
  return out;
}

Result<std::string> NormalizeApiUrl(const std::string& value) {
  VPNHUB_ASSIGN_OR_RETURN(auto checked, CheckApiUrl(value));
  return checked.first;
}

Result<RemoteClient> ParseRemoteData(const std::string& remote_data) {
  if (remote_data.empty()) {
    return FailedPrecondition("the key has no configuration from its amnezia-wg-easy server yet");
  }
  auto parsed = json::parse(remote_data, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("id") || !parsed["id"].is_string() ||
      !parsed.contains("config") || !parsed["config"].is_string()) {
    return FailedPrecondition("the key's remote data is not {\"id\", \"config\"}");
  }
  return RemoteClient{parsed["id"].get<std::string>(), parsed["config"].get<std::string>()};
}

AmneziaWgBackend::AmneziaWgBackend(std::chrono::milliseconds call_deadline)
    : call_deadline_(call_deadline) {}

Result<std::shared_ptr<AwgEasyClient>> AmneziaWgBackend::ClientFor(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const std::string key = s.api_url + '\n' + s.password;
  std::lock_guard lock(mu_);
  auto& client = clients_[key];
  if (!client) client = std::make_shared<AwgEasyClient>(s.api_url, s.password, call_deadline_);
  return client;
}

Status AmneziaWgBackend::ValidateSettings(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  if (server.capacity < 0) return InvalidArgument("capacity must not be negative");
  if (server.capacity > kMaxClients) {
    return InvalidArgument("capacity " + std::to_string(server.capacity) +
                           " is more than amnezia-wg-easy can hold (" +
                           std::to_string(kMaxClients) + " clients, the addresses .2-.254)");
  }
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> AmneziaWgBackend::KeyPorts(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  return std::optional<ports::KeyPortRange>();
}

Status AmneziaWgBackend::CreateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("key has no remote name");
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  std::lock_guard lock(client->create_mutex());
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client->ListClients());
  if (FindByName(listed, key.remote_name) != nullptr) return Status::Ok();
  return client->CreateClient(key.remote_name);
}

Result<std::string> AmneziaWgBackend::FetchRemoteData(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client->ListClients());
  const AwgClient* ours = FindByName(listed, key.remote_name);
  if (ours == nullptr) {
    return Unavailable("amnezia-wg-easy at " + client->base_url() + " has no client named " +
                       key.remote_name + " (removed since it was created?)");
  }
  auto config = client->Configuration(ours->id);
  if (config.status().code() == StatusCode::kNotFound) {
    return Unavailable(config.status().message() + " (removed since it was listed?)");
  }
  VPNHUB_RETURN_IF_ERROR(config);
  auto deliverable = formats::AmneziaWgConf(*config);
  if (!deliverable.ok()) {
    return FailedPrecondition("amnezia-wg-easy at " + client->base_url() +
                              ": the configuration of client " + ours->id +
                              " cannot be delivered: " + deliverable.status().message());
  }
  return json{{"id", ours->id}, {"config", *config}}.dump();
}

Status AmneziaWgBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  std::set<std::string> ids;
  if (!key.remote_data.empty()) {
    auto remote = ParseRemoteData(key.remote_data);
    if (remote.ok()) ids.insert(remote->id);
  }
  if (!key.remote_name.empty()) {
    VPNHUB_ASSIGN_OR_RETURN(auto listed, client->ListClients());
    for (const AwgClient& c : listed) {
      if (c.name == key.remote_name) ids.insert(c.id);
    }
  }
  for (const std::string& id : ids) {
    Status st = client->DeleteClient(id);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  }
  return Status::Ok();
}

Result<std::vector<ports::RemoteKey>> AmneziaWgBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client->ListClients());
  std::vector<ports::RemoteKey> out;
  for (const AwgClient& c : listed) {
    if (IsOurs(c)) out.push_back({c.id, ""});
  }
  return out;
}

Status AmneziaWgBackend::Ping(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  return client->CheckSession();
}

Result<std::optional<std::vector<ports::KeyTraffic>>> AmneziaWgBackend::Traffic(
    const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto client, ClientFor(server));
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client->ListClients());
  std::vector<ports::KeyTraffic> out;
  for (const AwgClient& c : listed) {
    if (!IsOurs(c) || !c.transfer_rx || !c.transfer_tx) continue;
    out.push_back({c.id, *c.transfer_rx + *c.transfer_tx});
  }
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string AmneziaWgBackend::NewSecret(ports::SecretSource& secrets) const {
  return secrets.Token(kSecretLength);
}

Result<ports::KeyDelivery> AmneziaWgBackend::Delivery(const Server& server, const Key& key,
                                                      const std::string& name) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto remote, ParseRemoteData(key.remote_data));
  auto conf = formats::AmneziaWgConf(remote.config);
  if (!conf.ok()) return FailedPrecondition(conf.status().message());
  ports::KeyDelivery out;
  out.config_name = formats::ConfFileName(name);
  out.config = std::move(*conf);
  out.qr_text = out.config;
  return out;
}

Status PrepareServer(std::chrono::milliseconds call_deadline, Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  AwgEasyClient client(s.api_url, s.password, call_deadline);
  Status login = client.Login();
  if (!login.ok()) {
    return Status(login.code(),
                  "the amnezia-wg-easy server does not let the hub in: " + login.message());
  }
  auto listed = client.ListClients();
  if (!listed.ok()) {
    return Status(listed.status().code(), "the amnezia-wg-easy server does not list its clients: " +
                                              listed.status().message());
  }
  if (server.public_host.empty()) server.public_host = s.host;
  return Status::Ok();
}

}  // namespace vpnhub::vpn::amneziawg
