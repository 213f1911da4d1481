#include "vpn/xui/xui_backend.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "core/host_rules.hpp"
#include "formats/ss_link.hpp"
#include "vpn/wireguard/wg_keys.hpp"

namespace vpnhub::vpn::xui {
namespace {

using nlohmann::json;

constexpr int kPageSize = 200;  // the most a 3.x panel gives per page (clientPageMaxSize)

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("xui setting \"" + name + "\" " + why);
}

std::string Get(const ServerSettings& s, const std::string& name) {
  auto it = s.find(name);
  return it == s.end() ? "" : it->second;
}

std::optional<int> ParseInt(std::string_view text, int lo, int hi) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string StdBase64(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string StringField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return "";
}

std::int64_t IntField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<std::int64_t>()
                                 : static_cast<std::int64_t>(it->get<double>());
}

// A JSON string field holding JSON (3x-ui's settings / streamSettings), or an object as is.
json Nested(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return json::object();
  if (it->is_object()) return *it;
  if (it->is_string()) {
    json parsed = json::parse(it->get<std::string>(), nullptr, false);
    if (parsed.is_object()) return parsed;
  }
  return json::object();
}

json Sub(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_object() ? *it : json::object();
}

std::string FirstString(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
    }
  }
  return "";
}

// Clients the hub made carry this comment; the panel's other clients (the operator's own) are not
// keys of the hub and are never listed, counted or removed by it.
constexpr char kComment[] = "vpnhub";
// What a client the panel would not remove (2.x keeps at least one client per inbound) becomes:
// disabled, its credential replaced, not listed.
constexpr char kRemovedComment[] = "vpnhub-removed";

bool IsOurs(const json& client) { return StringField(client, "comment") == kComment; }

std::string Where(const XuiSettings& s, const std::string& what) {
  return "3x-ui at " + s.api.where + ": " + what;
}

std::int64_t ExpiryMs(const Key& key) {
  const std::int64_t ms = key.expires_at.time_since_epoch().count();
  return ms > 0 ? ms : 0;
}

// The clients array of an inbound's settings.
std::vector<json> ClientsOf(const Inbound& in) {
  std::vector<json> out;
  auto it = in.settings.find("clients");
  if (it == in.settings.end() || !it->is_array()) return out;
  for (const auto& c : *it) {
    if (c.is_object()) out.push_back(c);
  }
  return out;
}

const json* FindByEmail(const std::vector<json>& clients, const std::string& email) {
  for (const auto& c : clients) {
    if (StringField(c, "email") == email) return &c;
  }
  return nullptr;
}

// The credential a client holds on the panel for `protocol`.
std::string CredentialOf(const json& client, const std::string& protocol) {
  if (protocol == "vless") {
    // A v2 client's "id" is its UUID; a v3 record calls it "uuid" (its "id" is a row number).
    if (auto u = client.find("uuid"); u != client.end() && u->is_string() && !u->empty()) {
      return u->get<std::string>();
    }
    auto id = client.find("id");
    return id != client.end() && id->is_string() ? id->get<std::string>() : "";
  }
  return StringField(client, "password");
}

// The client's subscription id on the panel: 16 hex digits of BLAKE2b("vpnhub-xui-subid:" +
// UUID), so that the panel's pages showing it do not show part of the credential.
std::string SubId(const std::string& uuid) {
  const std::string input = "vpnhub-xui-subid:" + uuid;
  unsigned char out[8];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), nullptr, 0);
  char hex[2 * sizeof out + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

}  // namespace

Result<ApiUrl> ParseApiUrl(const std::string& text) {
  std::string rest;
  int default_port = 0;
  if (text.rfind("https://", 0) == 0) {
    rest = text.substr(8);
    default_port = 443;
  } else if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
    default_port = 80;
  } else {
    return InvalidArgument("the API URL must start http:// or https://");
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#' || c == '@' || c == '\\') {
      return InvalidArgument(
          "the API URL must be http(s)://HOST:PORT/PATH without blanks, query, fragment or user");
    }
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  ApiUrl out;
  out.port = default_port;
  std::string port_text;
  bool v6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument("the API URL's IPv6 host lacks ']'");
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("the API URL's host is not valid");
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgument("the API URL's port is empty");
    }
    if (!ParseIpv6(out.host)) return InvalidArgument("the API URL's IPv6 host is not valid");
    v6 = true;
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgument("the API URL's port is empty");
    }
    if (out.host.empty()) return InvalidArgument("the API URL has no host");
    if (!CheckHost("host", out.host).ok()) {
      return InvalidArgument("the API URL's host is not a host name or an IP address");
    }
  }
  if (!port_text.empty()) {
    const auto port = ParseInt(port_text, 1, 65535);
    if (!port) return InvalidArgument("the API URL's port must be 1..65535");
    out.port = *port;
  }
  out.base = text.substr(0, text.find("://") + 3) + authority + path;
  out.where = (v6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return out;
}

int Shadowsocks2022KeyBytes(const std::string& method) {
  if (method == "2022-blake3-aes-128-gcm") return 16;
  if (method == "2022-blake3-aes-256-gcm" || method == "2022-blake3-chacha20-poly1305") return 32;
  return 0;
}

Result<std::string> TrojanPassword(const std::string& uuid) {
  if (!IsUuid(uuid)) return InvalidArgument("the key's secret is not a UUID");
  std::string out;
  for (char c : uuid) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Result<std::string> Shadowsocks2022UserKey(const std::string& method, const std::string& uuid) {
  if (!IsUuid(uuid)) return InvalidArgument("the key's secret is not a UUID");
  const int bytes = Shadowsocks2022KeyBytes(method);
  if (bytes == 0) return InvalidArgument("not a Shadowsocks 2022 method: " + method);
  const std::string input = "vpnhub-xui-ss2022:" + uuid;
  unsigned char out[32];
  crypto_generichash(out, static_cast<std::size_t>(bytes),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  return StdBase64(out, static_cast<std::size_t>(bytes));
}

Result<XuiSettings> ParseSettings(const ServerSettings& settings, bool for_links) {
  XuiSettings s;
  const std::string url = Get(settings, "api_url");
  if (url.empty()) return BadSetting("api_url", "is required (--api-url)");
  auto api = ParseApiUrl(url);
  if (!api.ok()) return BadSetting("api_url", "is not valid: " + api.status().message());
  s.api = std::move(*api);
  s.username = Get(settings, "username");
  s.password = Get(settings, "password");
  s.token = Get(settings, "token");
  const std::string gen = Get(settings, "api");
  if (gen == "v2") {
    s.gen = ApiGen::kV2;
    if (s.username.empty() || s.password.empty()) {
      return BadSetting("username", "and password are required for the v2 API");
    }
  } else if (gen == "v3") {
    s.gen = ApiGen::kV3;
    if (s.token.empty()) return BadSetting("token", "is required for the v3 API (--token)");
  } else if (gen.empty() && !for_links) {
    s.gen = s.token.empty() ? ApiGen::kV2 : ApiGen::kV3;
  } else {
    return BadSetting("api", "must be v2 or v3");
  }
  const auto inbound = ParseInt(Get(settings, "inbound_id"), 1, 999999999);
  if (!inbound) return BadSetting("inbound_id", "must be a positive number (--inbound-id)");
  s.inbound_id = *inbound;
  if (!for_links) return s;
  s.protocol = Get(settings, "protocol");
  if (s.protocol != "vless" && s.protocol != "trojan" && s.protocol != "shadowsocks") {
    return BadSetting("protocol", "must be vless, trojan or shadowsocks (read from the inbound)");
  }
  const auto port = ParseInt(Get(settings, "inbound_port"), 1, 65535);
  if (!port) return BadSetting("inbound_port", "must be 1..65535");
  s.inbound_port = *port;
  auto& st = s.stream;
  st.network = Get(settings, "network");
  if (st.network != "tcp" && st.network != "ws" && st.network != "grpc") {
    return BadSetting("network", "must be tcp, ws or grpc");
  }
  st.security = Get(settings, "security");
  if (st.security.empty()) st.security = "none";
  if (st.security != "none" && st.security != "tls" && st.security != "reality") {
    return BadSetting("security", "must be none, tls or reality");
  }
  st.sni = Get(settings, "sni");
  st.fp = Get(settings, "fp");
  st.alpn = Get(settings, "alpn");
  st.pbk = Get(settings, "pbk");
  st.sid = Get(settings, "sid");
  st.spx = Get(settings, "spx");
  st.path = Get(settings, "path");
  st.host = Get(settings, "ws_host");
  st.header_type = Get(settings, "header_type");
  st.service_name = Get(settings, "service_name");
  st.grpc_mode = Get(settings, "grpc_mode");
  st.flow = Get(settings, "flow");
  if (st.security == "reality" && st.pbk.empty()) {
    return BadSetting("pbk", "is required for a Reality inbound");
  }
  if (s.protocol == "shadowsocks") {
    s.ss_method = Get(settings, "ss_method");
    s.ss_server_psk = Get(settings, "ss_server_psk");
    if (Shadowsocks2022KeyBytes(s.ss_method) == 0) {
      return BadSetting("ss_method", "must be a 2022-blake3-* method");
    }
    if (s.ss_server_psk.empty()) return BadSetting("ss_server_psk", "is required");
  }
  return s;
}

Result<ServerSettings> LinkSettingsOf(const Inbound& in) {
  ServerSettings out;
  const std::string where = "inbound " + std::to_string(in.id);
  if (in.protocol == "wireguard") {
    return FailedPrecondition(where +
                              " is a WireGuard inbound: the xui kind serves vless, trojan and "
                              "shadowsocks (2022) inbounds only so far");
  }
  if (in.protocol != "vless" && in.protocol != "trojan" && in.protocol != "shadowsocks") {
    return FailedPrecondition(where + " has protocol \"" + in.protocol +
                              "\": the xui kind serves vless, trojan and shadowsocks inbounds");
  }
  if (in.port < 1 || in.port > 65535) return FailedPrecondition(where + " has no port");
  out["protocol"] = in.protocol;
  out["inbound_port"] = std::to_string(in.port);
  const json& st = in.stream_settings;
  std::string network = StringField(st, "network");
  if (network.empty()) network = "tcp";
  if (network != "tcp" && network != "ws" && network != "grpc") {
    return FailedPrecondition(where + " uses the transport \"" + network +
                              "\": the xui kind's links describe tcp, ws and grpc");
  }
  out["network"] = network;
  if (network == "tcp") {
    const json header = Sub(Sub(st, "tcpSettings"), "header");
    if (StringField(header, "type") == "http") {
      out["header_type"] = "http";
      const json request = Sub(header, "request");
      out["path"] = FirstString(request, "path");
      out["ws_host"] = FirstString(Sub(request, "headers"), "Host");
    }
  } else if (network == "ws") {
    const json ws = Sub(st, "wsSettings");
    out["path"] = StringField(ws, "path");
    std::string host = StringField(ws, "host");
    if (host.empty()) host = FirstString(Sub(ws, "headers"), "Host");
    out["ws_host"] = host;
  } else {
    const json grpc = Sub(st, "grpcSettings");
    out["service_name"] = StringField(grpc, "serviceName");
    if (auto m = grpc.find("multiMode"); m != grpc.end() && m->is_boolean() && m->get<bool>()) {
      out["grpc_mode"] = "multi";
    }
  }
  std::string security = StringField(st, "security");
  if (security.empty()) security = "none";
  if (security != "none" && security != "tls" && security != "reality") {
    return FailedPrecondition(where + " uses the security \"" + security +
                              "\": the xui kind's links describe none, tls and reality");
  }
  out["security"] = security;
  if (security == "tls") {
    const json tls = Sub(st, "tlsSettings");
    out["sni"] = StringField(tls, "serverName");
    out["fp"] = StringField(Sub(tls, "settings"), "fingerprint");
    std::string alpn;
    if (auto a = tls.find("alpn"); a != tls.end() && a->is_array()) {
      for (const auto& v : *a) {
        if (!v.is_string()) continue;
        alpn += (alpn.empty() ? "" : ",") + v.get<std::string>();
      }
    }
    out["alpn"] = alpn;
  } else if (security == "reality") {
    const json reality = Sub(st, "realitySettings");
    const json rs = Sub(reality, "settings");
    out["sni"] = FirstString(reality, "serverNames");
    out["pbk"] = StringField(rs, "publicKey");
    out["fp"] = StringField(rs, "fingerprint");
    out["spx"] = StringField(rs, "spiderX");
    if (auto ids = reality.find("shortIds"); ids != reality.end() && ids->is_array()) {
      for (const auto& v : *ids) {
        if (v.is_string()) {
          out["sid"] = v.get<std::string>();
          break;
        }
      }
    }
    if (out["pbk"].empty()) {
      return FailedPrecondition(where + " is a Reality inbound without a public key " +
                                "(realitySettings.settings.publicKey)");
    }
  }
  // Vision only where Xray allows it: VLESS over raw TCP with TLS or Reality.
  if (in.protocol == "vless" && network == "tcp" && (security == "tls" || security == "reality")) {
    out["flow"] = "xtls-rprx-vision";
  }
  if (in.protocol == "shadowsocks") {
    const std::string method = StringField(in.settings, "method");
    if (Shadowsocks2022KeyBytes(method) == 0) {
      return FailedPrecondition(where + " uses the method \"" + method +
                                "\": the xui kind serves Shadowsocks 2022 (2022-blake3-*) only");
    }
    const std::string psk = StringField(in.settings, "password");
    if (psk.empty()) return FailedPrecondition(where + " has no server key (settings.password)");
    out["ss_method"] = method;
    out["ss_server_psk"] = psk;
  }
  // Leave out what is empty.
  for (auto it = out.begin(); it != out.end();) {
    it = it->second.empty() ? out.erase(it) : std::next(it);
  }
  return out;
}

XuiBackend::XuiBackend(Options options) : options_(options) {}

std::shared_ptr<XuiClient> XuiBackend::ClientFor(const XuiSettings& s) {
  const std::string id = s.api.base + '\n' + (s.gen == ApiGen::kV3 ? "v3" : "v2") + '\n' +
                         s.username + '\n' + s.password + '\n' + s.token;
  std::lock_guard lock(mu_);
  auto& slot = clients_[id];
  if (!slot) {
    PanelAccess access;
    access.base_url = s.api.base;
    access.where = s.api.where;
    access.api = s.gen;
    access.username = s.username;
    access.password = s.password;
    access.token = s.token;
    slot = std::make_shared<XuiClient>(std::move(access), options_.call_deadline);
  }
  return slot;
}

Status XuiBackend::ValidateSettings(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  if (server.capacity < 0) return InvalidArgument("capacity must be >= 0");
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> XuiBackend::KeyPorts(const Server& server) const {
  VPNHUB_RETURN_IF_ERROR(ParseSettings(server.settings));
  return std::optional<ports::KeyPortRange>();
}

Result<std::string> XuiBackend::Credential(const XuiSettings& s, const std::string& secret) const {
  if (!IsUuid(secret)) return InvalidArgument("the key's secret is not a UUID (xui keys)");
  if (s.protocol == "vless") return secret;
  if (s.protocol == "trojan") return TrojanPassword(secret);
  return Shadowsocks2022UserKey(s.ss_method, secret);
}

json XuiBackend::ClientJson(const XuiSettings& s, const Key& key) const {
  json c = {{"email", key.remote_name},
            {"limitIp", options_.limit_ip},
            {"totalGB", key.traffic_limit_bytes > 0 ? key.traffic_limit_bytes : 0},
            {"expiryTime", ExpiryMs(key)},
            {"enable", true},
            {"tgId", 0},
            {"subId", SubId(key.secret)},
            {"comment", kComment},
            {"reset", 0}};
  auto cred = Credential(s, key.secret);
  const std::string credential = cred.ok() ? *cred : "";
  if (s.protocol == "vless") {
    c["id"] = credential;
    c["flow"] = s.stream.flow;
  } else {
    c["password"] = credential;
  }
  return c;
}

Result<Inbound> XuiBackend::GetInboundWith(XuiClient& c, const XuiSettings& s) {
  const std::string what = "GET inbound " + std::to_string(s.inbound_id);
  VPNHUB_ASSIGN_OR_RETURN(
      auto e, c.Call("GET", "/panel/api/inbounds/get/" + std::to_string(s.inbound_id), "", what));
  if (!e.success || !e.obj.is_object()) {
    return FailedPrecondition(Where(s, what) + ": the panel has no such inbound (" + e.msg + ")");
  }
  Inbound in;
  in.id = static_cast<int>(IntField(e.obj, "id"));
  in.protocol = StringField(e.obj, "protocol");
  in.port = static_cast<int>(IntField(e.obj, "port"));
  in.settings = Nested(e.obj, "settings");
  in.stream_settings = Nested(e.obj, "streamSettings");
  if (auto cs = e.obj.find("clientStats"); cs != e.obj.end()) in.client_stats = *cs;
  return in;
}

Result<Inbound> XuiBackend::GetInbound(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings, /*for_links=*/false));
  return GetInboundWith(*ClientFor(s), s);
}

Result<ApiGen> XuiBackend::DetectApi(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings, /*for_links=*/false));
  auto c = ClientFor(s);
  // First a call every generation has, so that the probe's 404 means "no such route" and not
  // "no session".
  auto in = GetInboundWith(*c, s);
  if (!in.ok()) {
    // 3.x refuses a password login without its CSRF token (403).
    if (c->login_wants_csrf()) return ApiGen::kV3;
    return in.status();
  }
  VPNHUB_ASSIGN_OR_RETURN(
      auto e, c->CallIfRouted("GET", "/panel/api/clients/list/paged?page=1&pageSize=1", "",
                              "GET clients/list/paged (the v3 probe)"));
  return e ? ApiGen::kV3 : ApiGen::kV2;
}

Status XuiBackend::CreateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("the key has no remote name");
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_RETURN_IF_ERROR(Credential(s, key.secret));
  auto c = ClientFor(s);
  return s.gen == ApiGen::kV2 ? CreateV2(*c, s, key) : CreateV3(*c, s, key);
}

Status XuiBackend::CreateV2(XuiClient& c, const XuiSettings& s, const Key& key) {
  const json clients = {{"clients", json::array({ClientJson(s, key)})}};
  const json body = {{"id", s.inbound_id}, {"settings", clients.dump()}};
  const std::string what = "POST inbounds/addClient";
  VPNHUB_ASSIGN_OR_RETURN(auto e,
                          c.Call("POST", "/panel/api/inbounds/addClient", body.dump(), what));
  if (e.success) return Status::Ok();
  // Refused: a client with this email made by an earlier try (the email is unique on the panel)?
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(c, s));
  const std::vector<json> listed = ClientsOf(in);
  if (const json* mine = FindByEmail(listed, key.remote_name)) {
    if (CredentialOf(*mine, s.protocol) == *Credential(s, key.secret)) return Status::Ok();
    return AlreadyExists(Where(s, what) + ": the inbound has a client " + key.remote_name +
                         " with another credential");
  }
  return FailedPrecondition(Where(s, what) + " refused the client: " + e.msg);
}

Status XuiBackend::CreateV3(XuiClient& c, const XuiSettings& s, const Key& key) {
  const json body = {{"client", ClientJson(s, key)}, {"inboundIds", json::array({s.inbound_id})}};
  const std::string what = "POST clients/add";
  VPNHUB_ASSIGN_OR_RETURN(auto e, c.Call("POST", "/panel/api/clients/add", body.dump(), what));
  if (e.success) return Status::Ok();
  const std::string get = "GET clients/get/{email}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto g,
      c.Call("GET", "/panel/api/clients/get/" + formats::PercentEncode(key.remote_name), "", get));
  if (g.success && g.obj.is_object()) {
    const json client = Sub(g.obj, "client");
    bool attached = false;
    if (auto ids = g.obj.find("inboundIds"); ids != g.obj.end() && ids->is_array()) {
      for (const auto& id : *ids)
        attached |= id.is_number_integer() && id.get<int>() == s.inbound_id;
    }
    if (attached && CredentialOf(client, s.protocol) == *Credential(s, key.secret)) {
      return Status::Ok();
    }
    return AlreadyExists(Where(s, what) + ": the panel has a client " + key.remote_name +
                         (attached ? " with another credential" : " on other inbounds"));
  }
  return FailedPrecondition(Where(s, what) + " refused the client: " + e.msg);
}

Status XuiBackend::UpdateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("the key has no remote name");
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto credential, Credential(s, key.secret));
  auto c = ClientFor(s);
  const json client = ClientJson(s, key);
  std::string what;
  Envelope e;
  if (s.gen == ApiGen::kV2) {
    // updateClient/{clientKey}: the id for vless, the password for trojan, the email for ss.
    const std::string client_key = s.protocol == "shadowsocks" ? key.remote_name : credential;
    const json body = {{"id", s.inbound_id},
                       {"settings", json{{"clients", json::array({client})}}.dump()}};
    what = "POST inbounds/updateClient/{clientKey}";
    VPNHUB_ASSIGN_OR_RETURN(
        e, c->Call("POST", "/panel/api/inbounds/updateClient/" + formats::PercentEncode(client_key),
                   body.dump(), what));
  } else {
    // 3.x updates by email whatever the credential: look first, so that a client of that email
    // under another credential is left as it is, and a lost one is made again.
    VPNHUB_ASSIGN_OR_RETURN(
        auto g, c->Call("GET", "/panel/api/clients/get/" + formats::PercentEncode(key.remote_name),
                        "", "GET clients/get/{email}"));
    if (!g.success) return CreateKey(server, key);
    if (CredentialOf(Sub(g.obj, "client"), s.protocol) != credential) {
      return FailedPrecondition(Where(s, "GET clients/get/{email}") + ": the panel's client " +
                                key.remote_name + " has another credential");
    }
    what = "POST clients/update/{email}";
    VPNHUB_ASSIGN_OR_RETURN(
        e, c->Call("POST", "/panel/api/clients/update/" + formats::PercentEncode(key.remote_name),
                   client.dump(), what));
    if (!e.success) return FailedPrecondition(Where(s, what) + " refused the update: " + e.msg);
    return Status::Ok();
  }
  if (e.success) return Status::Ok();
  // Refused: a panel that lost the client (restored from an old backup) gets it again, with the
  // expiry and limit the key holds now; a client there under another credential is not ours to
  // change.
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(*c, s));
  if (FindByEmail(ClientsOf(in), key.remote_name) == nullptr) return CreateKey(server, key);
  return FailedPrecondition(Where(s, what) + " refused the update: " + e.msg);
}

Status XuiBackend::DeleteKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  const std::string& email = key.remote_name;
  if (s.gen == ApiGen::kV2) {
    VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(*c, s));
    const std::vector<json> before = ClientsOf(in);
    const json* mine = FindByEmail(before, email);
    if (mine == nullptr || StringField(*mine, "comment") == kRemovedComment) return Status::Ok();
    // delClient/{clientKey}: the id for vless, the password for trojan, the email for ss; taken
    // from the panel's own client so that a credential changed there is still removed.
    const std::string client_key =
        s.protocol == "shadowsocks" ? email : CredentialOf(*mine, s.protocol);
    const std::string what = "POST inbounds/{id}/delClient/{clientKey}";
    VPNHUB_ASSIGN_OR_RETURN(auto e, c->Call("POST",
                                            "/panel/api/inbounds/" + std::to_string(s.inbound_id) +
                                                "/delClient/" + formats::PercentEncode(client_key),
                                            "", what));
    if (!e.success && before.size() == 1 && e.msg.find("no client remained") != std::string::npos) {
      // 2.x keeps one client per inbound: the last one is disabled instead, under a credential
      // nobody holds, and no longer listed as a key.
      return Retire(*c, s, *mine, client_key);
    }
    VPNHUB_ASSIGN_OR_RETURN(auto after, GetInboundWith(*c, s));
    const json* still = FindByEmail(ClientsOf(after), email);
    if (still == nullptr || StringField(*still, "comment") == kRemovedComment) return Status::Ok();
    if (!e.success) return FailedPrecondition(Where(s, what) + " refused the delete: " + e.msg);
    return Unavailable(Where(s, what) + " answered success but the inbound still has " + email);
  }
  const std::string what = "POST clients/del/{email}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto e, c->Call("POST", "/panel/api/clients/del/" + formats::PercentEncode(email), "", what));
  VPNHUB_ASSIGN_OR_RETURN(
      auto g, c->Call("GET", "/panel/api/clients/get/" + formats::PercentEncode(email), "",
                      "GET clients/get/{email}"));
  if (!g.success) return Status::Ok();  // no such client (any more)
  if (!e.success) return FailedPrecondition(Where(s, what) + " refused the delete: " + e.msg);
  return Unavailable(Where(s, what) + " answered success but the panel still has " + email);
}

Status XuiBackend::Retire(XuiClient& c, const XuiSettings& s, const json& client,
                          const std::string& client_key) {
  json retired = client;
  retired["enable"] = false;
  retired["comment"] = kRemovedComment;
  retired["expiryTime"] = 1;  // long past
  // A credential derived from nothing the key holds: the old one stops working even if someone
  // enables the client again.
  unsigned char random[16];
  randombytes_buf(random, sizeof random);
  if (s.protocol == "vless") {
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    const std::string h(hex);
    retired["id"] = h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" +
                    h.substr(17, 3) + "-" + h.substr(20, 12);
  } else if (s.protocol == "trojan") {
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    retired["password"] = std::string(hex);
  } else {
    auto bytes = Shadowsocks2022KeyBytes(s.ss_method);
    unsigned char key[32];
    randombytes_buf(key, static_cast<std::size_t>(bytes));
    retired["password"] = StdBase64(key, static_cast<std::size_t>(bytes));
  }
  const json body = {{"id", s.inbound_id},
                     {"settings", json{{"clients", json::array({retired})}}.dump()}};
  const std::string what = "POST inbounds/updateClient/{clientKey} (disable the last client)";
  VPNHUB_ASSIGN_OR_RETURN(
      auto e,
      c.Call("POST", "/panel/api/inbounds/updateClient/" + formats::PercentEncode(client_key),
             body.dump(), what));
  if (!e.success) return FailedPrecondition(Where(s, what) + " refused: " + e.msg);
  return Status::Ok();
}

Result<std::vector<json>> XuiBackend::ListV3(XuiClient& c, const XuiSettings& s) {
  std::vector<json> out;
  for (int page = 1;; ++page) {
    const std::string route = "/panel/api/clients/list/paged?page=" + std::to_string(page) +
                              "&pageSize=" + std::to_string(kPageSize) +
                              "&inbound=" + std::to_string(s.inbound_id);
    const std::string what = "GET clients/list/paged";
    VPNHUB_ASSIGN_OR_RETURN(auto e, c.Call("GET", route, "", what));
    if (!e.success || !e.obj.is_object()) {
      return FailedPrecondition(Where(s, what) + " refused: " + e.msg);
    }
    auto items = e.obj.find("items");
    if (items == e.obj.end() || !items->is_array()) {
      return Internal(Where(s, what) + " answered no items array");
    }
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      // The filter is the panel's; keep only clients of our inbound in case it ignores it.
      bool ours = true;
      if (auto ids = item.find("inboundIds"); ids != item.end() && ids->is_array()) {
        ours = std::any_of(ids->begin(), ids->end(), [&](const json& id) {
          return id.is_number_integer() && id.get<int>() == s.inbound_id;
        });
      }
      if (ours) out.push_back(item);
    }
    const std::int64_t filtered = IntField(e.obj, "filtered");
    if (items->empty() || static_cast<std::int64_t>(page) * kPageSize >= filtered) break;
  }
  return out;
}

Result<std::vector<ports::RemoteKey>> XuiBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  std::vector<ports::RemoteKey> out;
  if (s.gen == ApiGen::kV2) {
    VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(*c, s));
    for (const json& client : ClientsOf(in)) {
      const std::string email = StringField(client, "email");
      if (!email.empty() && IsOurs(client)) {
        out.push_back({email, CredentialOf(client, s.protocol)});
      }
    }
    return out;
  }
  VPNHUB_ASSIGN_OR_RETURN(auto items, ListV3(*c, s));
  std::set<std::string> seen;
  for (const json& item : items) {
    const std::string email = StringField(item, "email");
    if (!email.empty() && IsOurs(item) && seen.insert(email).second) out.push_back({email, ""});
  }
  return out;
}

Status XuiBackend::Ping(const Server& server) { return GetInbound(server).status(); }

Result<std::optional<std::vector<ports::KeyTraffic>>> XuiBackend::Traffic(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  std::vector<ports::KeyTraffic> out;
  std::set<std::string> seen;
  auto add = [&](const json& t) {
    const std::string email = StringField(t, "email");
    const std::int64_t bytes = IntField(t, "up") + IntField(t, "down");
    if (email.empty() || bytes < 0 || !seen.insert(email).second) return;
    out.push_back({email, static_cast<std::uint64_t>(bytes)});
  };
  if (s.gen == ApiGen::kV2) {
    VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(*c, s));
    std::set<std::string> listed;
    for (const json& client : ClientsOf(in)) {
      if (IsOurs(client)) listed.insert(StringField(client, "email"));
    }
    if (in.client_stats.is_array()) {
      for (const json& t : in.client_stats) {
        if (t.is_object() && listed.count(StringField(t, "email")) != 0) add(t);
      }
    }
  } else {
    VPNHUB_ASSIGN_OR_RETURN(auto items, ListV3(*c, s));
    for (const json& item : items) {
      if (!IsOurs(item)) continue;
      json t = Sub(item, "traffic");
      t["email"] = StringField(item, "email");
      add(t);
    }
  }
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string XuiBackend::NewSecret(ports::SecretSource& secrets) const {
  const wireguard::KeyBytes b = wireguard::DrawKeyBytes(secrets, "xui-client-uuid");
  unsigned char u[16];
  std::copy(b.begin(), b.begin() + 16, u);
  u[6] = static_cast<unsigned char>((u[6] & 0x0f) | 0x40);  // version 4
  u[8] = static_cast<unsigned char>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[u[i] >> 4];
    out += kHex[u[i] & 15];
  }
  return out;
}

Result<ports::KeyDelivery> XuiBackend::Delivery(const Server& server, const Key& key,
                                                const std::string& name) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  if (server.public_host.empty()) return InvalidArgument("the server has no public host");
  VPNHUB_ASSIGN_OR_RETURN(auto credential, Credential(s, key.secret));
  ports::KeyDelivery out;
  if (s.protocol == "vless") {
    out.link = formats::VlessLink(credential, server.public_host, s.inbound_port, s.stream, name);
  } else if (s.protocol == "trojan") {
    out.link = formats::TrojanLink(credential, server.public_host, s.inbound_port, s.stream, name);
  } else {
    out.link =
        formats::Shadowsocks2022Link(s.ss_method, s.ss_server_psk, credential, server.public_host,
                                     s.inbound_port, s.stream.network, name);
  }
  out.qr_text = out.link;
  return out;
}

}  // namespace vpnhub::vpn::xui
