// XuiBackend: what both API generations share (the panel's client, the settings, the client JSON,
// the inbound) and the VpnBackend calls, which hand over to xui_backend_v2.cpp (2.x) or
// xui_backend_v3.cpp (3.x) by the server's API generation.
#include "vpn/xui/xui_backend.hpp"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "formats/proxy_links.hpp"
#include "vpn/wireguard/wg_keys.hpp"
#include "vpn/xui/xui_records.hpp"

namespace vpnhub::vpn::xui {
namespace {

using nlohmann::json;

std::int64_t ExpiryMs(const Key& key) {
  const std::int64_t ms = key.expires_at.time_since_epoch().count();
  return ms > 0 ? ms : 0;
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
  return InboundOf(e.obj);
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

Status XuiBackend::UpdateKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return InvalidArgument("the key has no remote name");
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto credential, Credential(s, key.secret));
  auto c = ClientFor(s);
  return s.gen == ApiGen::kV2 ? UpdateV2(*c, s, key, credential) : UpdateV3(*c, s, key, credential);
}

Status XuiBackend::DeleteKey(const Server& server, const Key& key) {
  if (key.remote_name.empty()) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  return s.gen == ApiGen::kV2 ? DeleteV2(*c, s, key.remote_name) : DeleteV3(*c, s, key.remote_name);
}

Result<std::vector<ports::RemoteKey>> XuiBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  return s.gen == ApiGen::kV2 ? ListKeysV2(*c, s) : ListKeysV3(*c, s);
}

Status XuiBackend::Ping(const Server& server) { return GetInbound(server).status(); }

Result<std::optional<std::vector<ports::KeyTraffic>>> XuiBackend::Traffic(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto c = ClientFor(s);
  VPNHUB_ASSIGN_OR_RETURN(auto records, s.gen == ApiGen::kV2 ? TrafficV2(*c, s) : TrafficV3(*c, s));
  std::vector<ports::KeyTraffic> out;
  std::set<std::string> seen;
  for (const json& t : records) {
    const std::string email = StringField(t, "email");
    const std::int64_t bytes = IntField(t, "up") + IntField(t, "down");
    if (email.empty() || bytes < 0 || !seen.insert(email).second) continue;
    out.push_back({email, static_cast<std::uint64_t>(bytes)});
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
