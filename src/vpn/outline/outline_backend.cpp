#include "vpn/outline/outline_backend.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/host_rules.hpp"
#include "formats/outline_link.hpp"
#include "formats/ss_link.hpp"
#include "vpn/common/json_fields.hpp"
#include "vpn/common/pinned_https.hpp"
#include "vpn/common/url_authority.hpp"

namespace vpnhub::vpn::outline {
namespace {

using nlohmann::json;

constexpr std::size_t kSecretLength = 22;

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("outline setting \"" + name + "\" " + why);
}

// The request a route of the API needs.
struct Call {
  const char* method;
  std::string route;  // "/access-keys", appended to the API URL
  std::string body;
  const char* what;  // for messages: "GET /access-keys"
};

std::string KeyRoute(const std::string& id, const std::string& tail = "") {
  return "/access-keys/" + formats::PercentEncode(id) + tail;
}

// An error body's "code" (restify: {"code":"NotFound","message":...}); the message is left out
// because a 404's message repeats the request path, which holds the API's secret.
std::string ErrorCode(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto it = j.find("code");
    if (it != j.end() && it->is_string()) return " (" + it->get<std::string>() + ")";
  }
  return "";
}

// An answer with a status the call did not expect, as a Status: 5xx, 408 and 429 are retryable;
// the rest is the server refusing (permanent).
Status Unexpected(const Call& call, const PinnedResponse& r) {
  const std::string msg = "Outline API " + std::string(call.what) + " answered HTTP " +
                          std::to_string(r.status) + ErrorCode(r.body);
  if (r.status >= 500 || r.status == 408 || r.status == 429) return Unavailable(msg);
  if (r.status == 401 || r.status == 403) {
    return FailedPrecondition(msg + ": the server refuses the API URL");
  }
  if (r.status == 404) {
    return FailedPrecondition(msg + ": no such route; is the API URL (its secret path) right?");
  }
  return FailedPrecondition(msg);
}

Result<json> JsonBody(const Call& call, const PinnedResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Internal("Outline API " + std::string(call.what) + " answered a body that is not a " +
                    "JSON object");
  }
  return j;
}

Result<AccessKey> ParseAccessKey(const json& j) {
  if (!j.is_object()) return Internal("Outline API: an access key that is not a JSON object");
  AccessKey k;
  k.id = StringField(j, "id");
  if (k.id.empty()) return Internal("Outline API: an access key without an id");
  k.name = StringField(j, "name");
  k.password = StringField(j, "password");
  k.method = StringField(j, "method");
  k.access_url = StringField(j, "accessUrl");
  if (auto p = j.find("port"); p != j.end() && p->is_number_integer()) k.port = p->get<int>();
  if (auto d = j.find("dataLimit"); d != j.end() && d->is_object()) {
    if (auto b = d->find("bytes"); b != d->end() && b->is_number()) {
      k.data_limit_bytes = static_cast<std::int64_t>(b->get<double>());
    }
  }
  return k;
}

// What remote_data holds.
struct StoredKey {
  std::string id;
  std::string access_url;
};
std::optional<StoredKey> ParseRemoteData(const std::string& remote_data) {
  if (remote_data.empty()) return std::nullopt;
  const json j = json::parse(remote_data, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  StoredKey s{StringField(j, "id"), StringField(j, "accessUrl")};
  if (s.id.empty() && s.access_url.empty()) return std::nullopt;
  return s;
}

const AccessKey* FindNamed(const std::vector<AccessKey>& keys, const std::string& name) {
  auto it = std::find_if(keys.begin(), keys.end(),
                         [&](const AccessKey& k) { return !name.empty() && k.name == name; });
  return it == keys.end() ? nullptr : &*it;
}

}  // namespace

Result<ApiUrl> ParseApiUrl(const std::string& text) {
  static const std::string kScheme = "https://";
  if (text.rfind(kScheme, 0) != 0) return InvalidArgument("the API URL must start https://");
  if (!IsPlainUrlText(text)) {
    return InvalidArgument(
        "the API URL must be https://HOST:PORT/SECRET without blanks, query, fragment or user");
  }
  const std::string rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  ApiUrl out;
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  if (out.path.empty()) {
    return InvalidArgument("the API URL must carry its secret path: https://HOST:PORT/SECRET");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto host, ParseUrlAuthority(authority, 443));
  out.host = std::move(host.host);
  out.port = host.port;
  out.base = kScheme + authority + out.path;
  return out;
}

Result<OutlineSettings> ParseSettings(const ServerSettings& settings) {
  OutlineSettings out;
  auto url = settings.find("api_url");
  if (url == settings.end() || url->second.empty()) {
    return BadSetting("api_url", "is required (--api-url, or apiUrl of --outline-json)");
  }
  auto api = ParseApiUrl(url->second);
  if (!api.ok()) return BadSetting("api_url", "is not valid: " + api.status().message());
  out.api = std::move(*api);
  auto cert = settings.find("cert_sha256");
  if (cert == settings.end() || cert->second.empty()) {
    return BadSetting("cert_sha256",
                      "is required (--cert-sha256, or certSha256 of --outline-json)");
  }
  auto pin = ParseCertSha256(cert->second);
  if (!pin.ok()) return BadSetting("cert_sha256", "is not valid: " + pin.status().message());
  out.cert_sha256 = std::move(*pin);
  return out;
}

OutlineBackend::OutlineBackend(std::chrono::milliseconds call_deadline)
    : call_deadline_(call_deadline) {}

namespace {

// Sends `call` to the server's API within `deadline`.
Result<PinnedResponse> Send(const Server& server, const Call& call,
                            std::chrono::milliseconds deadline) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  PinnedRequest request;
  request.method = call.method;
  request.url = s.api.base + call.route;
  request.body = call.body;
  auto r = PinnedSend(s.cert_sha256, request, deadline);
  if (!r.ok()) {
    return Status(r.status().code(),
                  "Outline API " + std::string(call.what) + ": " + r.status().message());
  }
  return r;
}

// Sends `call` and expects `expected`; other statuses as Unexpected.
Status SendExpecting(const Server& server, const Call& call, long expected,
                     std::chrono::milliseconds deadline) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, call, deadline));
  if (r.status != expected) return Unexpected(call, r);
  return Status::Ok();
}

}  // namespace

Status OutlineBackend::ValidateSettings(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  if (server.capacity < 0) return InvalidArgument("capacity must be >= 0");
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> OutlineBackend::KeyPorts(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  return std::optional<ports::KeyPortRange>();
}

Result<ServerInfo> OutlineBackend::GetServerInfo(const Server& server) {
  const Call call{"GET", "/server", "", "GET /server"};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, call, call_deadline_));
  if (r.status != 200) return Unexpected(call, r);
  VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(call, r));
  ServerInfo info;
  info.name = StringField(j, "name");
  info.server_id = StringField(j, "serverId");
  info.version = StringField(j, "version");
  info.hostname_for_access_keys = StringField(j, "hostnameForAccessKeys");
  return info;
}

Result<std::vector<AccessKey>> OutlineBackend::ListAccessKeys(const Server& server) {
  const Call call{"GET", "/access-keys", "", "GET /access-keys"};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, call, call_deadline_));
  if (r.status != 200) return Unexpected(call, r);
  VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(call, r));
  auto list = j.find("accessKeys");
  if (list == j.end() || !list->is_array()) {
    return Internal("Outline API GET /access-keys answered without an accessKeys array");
  }
  std::vector<AccessKey> keys;
  for (const auto& item : *list) {
    VPNHUB_ASSIGN_OR_RETURN(auto k, ParseAccessKey(item));
    keys.push_back(std::move(k));
  }
  return keys;
}

Result<std::optional<AccessKey>> OutlineBackend::GetOwnAccessKey(const Server& server,
                                                                 const std::string& id) {
  const Call get{"GET", KeyRoute(id), "", "GET /access-keys/{id}"};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, get, call_deadline_));
  if (r.status == 404) return std::optional<AccessKey>();
  if (r.status != 200) return Unexpected(get, r);
  VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(get, r));
  VPNHUB_ASSIGN_OR_RETURN(auto k, ParseAccessKey(j));
  return std::optional<AccessKey>(std::move(k));
}

Result<std::optional<AccessKey>> OutlineBackend::PutAccessKey(const Server& server,
                                                              const Key& key) {
  json body = {{"name", key.remote_name}};
  if (!key.secret.empty()) body["password"] = key.secret;
  if (key.traffic_limit_bytes > 0) body["limit"] = {{"bytes", key.traffic_limit_bytes}};
  const Call put{"PUT", KeyRoute(key.remote_name), body.dump(), "PUT /access-keys/{id}"};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, put, call_deadline_));
  if (r.status == 201) {
    VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(put, r));
    VPNHUB_ASSIGN_OR_RETURN(auto made, ParseAccessKey(j));
    return std::optional<AccessKey>(std::move(made));
  }
  // A server before 1.8 has no PUT /access-keys/{id} (405, or 404 for the route).
  if (r.status == 405 || r.status == 404) return std::optional<AccessKey>();
  if (r.status == 409) {
    // Made by an earlier try: the key under our id is ours.
    VPNHUB_ASSIGN_OR_RETURN(auto existing, GetOwnAccessKey(server, key.remote_name));
    if (existing && existing->name == key.remote_name) return existing;
  }
  return Unexpected(put, r);
}

Status OutlineBackend::CreateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("the key has no remote name");
  const std::int64_t want_limit = key.traffic_limit_bytes;
  // Servers since 1.8 take our id: one PUT, idempotent, without listing every key.
  VPNHUB_ASSIGN_OR_RETURN(auto put, PutAccessKey(server, key));
  if (put) return SetLimit(server, *put, want_limit);
  VPNHUB_ASSIGN_OR_RETURN(auto keys, ListAccessKeys(server));
  AccessKey made;
  if (const AccessKey* existing = FindNamed(keys, key.remote_name)) {
    made = *existing;
  } else {
    json body = {{"name", key.remote_name}};
    if (!key.secret.empty()) body["password"] = key.secret;
    if (want_limit > 0) body["limit"] = {{"bytes", want_limit}};
    const Call post{"POST", "/access-keys", body.dump(), "POST /access-keys"};
    VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, post, call_deadline_));
    if (r.status != 201) return Unexpected(post, r);
    VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(post, r));
    VPNHUB_ASSIGN_OR_RETURN(made, ParseAccessKey(j));
    if (made.name != key.remote_name) {
      // A server that does not take the name from the POST: name it now, or take it back, so
      // that a retry (which finds keys by name) does not make a second one.
      const Call rename{"PUT", KeyRoute(made.id, "/name"), json{{"name", key.remote_name}}.dump(),
                        "PUT /access-keys/{id}/name"};
      Status named = SendExpecting(server, rename, 204, call_deadline_);
      if (!named.ok()) {
        const Call undo{"DELETE", KeyRoute(made.id), "", "DELETE /access-keys/{id}"};
        (void)SendExpecting(server, undo, 204, call_deadline_);
        return named;
      }
    }
  }
  return SetLimit(server, made, want_limit);
}

Status OutlineBackend::SetLimit(const Server& server, const AccessKey& made,
                                std::int64_t want_limit) {
  if (want_limit > 0 && made.data_limit_bytes != want_limit) {
    const Call limit{"PUT", KeyRoute(made.id, "/data-limit"),
                     json{{"limit", {{"bytes", want_limit}}}}.dump(),
                     "PUT /access-keys/{id}/data-limit"};
    VPNHUB_RETURN_IF_ERROR(SendExpecting(server, limit, 204, call_deadline_));
  }
  return Status::Ok();
}

Result<std::string> OutlineBackend::FetchRemoteData(const Server& server, const Key& key) {
  // A key made by PUT has our remote name as its id: one GET.
  VPNHUB_ASSIGN_OR_RETURN(auto own, GetOwnAccessKey(server, key.remote_name));
  if (own && own->name == key.remote_name && !own->access_url.empty()) {
    return json{{"id", own->id}, {"accessUrl", own->access_url}}.dump();
  }
  VPNHUB_ASSIGN_OR_RETURN(auto keys, ListAccessKeys(server));
  const AccessKey* k = FindNamed(keys, key.remote_name);
  if (k == nullptr) {
    return Unavailable("the Outline server has no access key named " + key.remote_name);
  }
  if (k->access_url.empty()) {
    return Internal("the Outline server's access key " + k->id + " has no accessUrl");
  }
  return json{{"id", k->id}, {"accessUrl", k->access_url}}.dump();
}

Status OutlineBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto keys, ListAccessKeys(server));
  const std::optional<StoredKey> stored = ParseRemoteData(key.remote_data);
  for (const AccessKey& k : keys) {
    const bool named = !key.remote_name.empty() && k.name == key.remote_name;
    const bool same = stored && k.id == stored->id && k.access_url == stored->access_url;
    if (!named && !same) continue;
    const Call del{"DELETE", KeyRoute(k.id), "", "DELETE /access-keys/{id}"};
    VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, del, call_deadline_));
    // 404: gone since the list (the list answered, so the API URL is right).
    if (r.status != 204 && r.status != 404) return Unexpected(del, r);
  }
  return Status::Ok();
}

Result<std::vector<ports::RemoteKey>> OutlineBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto keys, ListAccessKeys(server));
  std::vector<ports::RemoteKey> out;
  out.reserve(keys.size());
  for (auto& k : keys) out.push_back({std::move(k.id), std::move(k.password)});
  return out;
}

Status OutlineBackend::Ping(const Server& server) { return GetServerInfo(server).status(); }

Result<std::optional<std::vector<ports::KeyTraffic>>> OutlineBackend::Traffic(
    const Server& server) {
  const Call call{"GET", "/metrics/transfer", "", "GET /metrics/transfer"};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send(server, call, call_deadline_));
  if (r.status != 200) return Unexpected(call, r);
  VPNHUB_ASSIGN_OR_RETURN(auto j, JsonBody(call, r));
  auto by_id = j.find("bytesTransferredByUserId");
  if (by_id == j.end() || !by_id->is_object()) {
    return Internal("Outline API GET /metrics/transfer answered without bytesTransferredByUserId");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto keys, ListAccessKeys(server));
  std::vector<ports::KeyTraffic> out;
  for (const AccessKey& k : keys) {
    auto it = by_id->find(k.id);
    if (it == by_id->end() || !it->is_number()) continue;
    const double bytes = it->get<double>();
    if (!(bytes >= 0) || !std::isfinite(bytes)) continue;
    out.push_back({k.id, static_cast<std::uint64_t>(bytes)});
  }
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string OutlineBackend::NewSecret(ports::SecretSource& secrets) const {
  return secrets.Token(kSecretLength);
}

Result<ports::KeyDelivery> OutlineBackend::Delivery(const Server& server, const Key& key,
                                                    const std::string& name) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  const std::optional<StoredKey> stored = ParseRemoteData(key.remote_data);
  if (!stored || stored->access_url.empty()) {
    return FailedPrecondition("the Outline key has no access URL yet (it is not provisioned)");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto link, formats::OutlineAccessLink(stored->access_url, name));
  ports::KeyDelivery out;
  out.link = link;
  out.qr_text = std::move(link);
  return out;
}

}  // namespace vpnhub::vpn::outline
