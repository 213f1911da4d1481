// The 3x-ui 2.x API of XuiBackend: the inbound's clients live in its settings, changed through
// /panel/api/inbounds/addClient, updateClient/{clientKey} and {id}/delClient/{clientKey}, and read
// (with their traffic, clientStats) by GET /panel/api/inbounds/get/{id}.
#include <sodium.h>

#include <set>

#include "formats/ss_link.hpp"
#include "vpn/xui/xui_backend.hpp"
#include "vpn/xui/xui_records.hpp"

namespace vpnhub::vpn::xui {

using nlohmann::json;

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

Status XuiBackend::UpdateV2(XuiClient& c, const XuiSettings& s, const Key& key,
                            const std::string& credential) {
  // updateClient/{clientKey}: the id for vless, the password for trojan, the email for ss.
  const std::string client_key = s.protocol == "shadowsocks" ? key.remote_name : credential;
  const json body = {{"id", s.inbound_id},
                     {"settings", json{{"clients", json::array({ClientJson(s, key)})}}.dump()}};
  const std::string what = "POST inbounds/updateClient/{clientKey}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto e,
      c.Call("POST", "/panel/api/inbounds/updateClient/" + formats::PercentEncode(client_key),
             body.dump(), what));
  if (e.success) return Status::Ok();
  // Refused: a panel that lost the client (restored from an old backup) gets it again, with the
  // expiry and limit the key holds now; a client there under another credential is not ours to
  // change.
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(c, s));
  if (FindByEmail(ClientsOf(in), key.remote_name) == nullptr) return CreateV2(c, s, key);
  return FailedPrecondition(Where(s, what) + " refused the update: " + e.msg);
}

Status XuiBackend::DeleteV2(XuiClient& c, const XuiSettings& s, const std::string& email) {
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(c, s));
  const std::vector<json> before = ClientsOf(in);
  const json* mine = FindByEmail(before, email);
  if (mine == nullptr || StringField(*mine, "comment") == kRemovedComment) return Status::Ok();
  // delClient/{clientKey}: the id for vless, the password for trojan, the email for ss; taken
  // from the panel's own client so that a credential changed there is still removed.
  const std::string client_key =
      s.protocol == "shadowsocks" ? email : CredentialOf(*mine, s.protocol);
  const std::string what = "POST inbounds/{id}/delClient/{clientKey}";
  VPNHUB_ASSIGN_OR_RETURN(auto e, c.Call("POST",
                                         "/panel/api/inbounds/" + std::to_string(s.inbound_id) +
                                             "/delClient/" + formats::PercentEncode(client_key),
                                         "", what));
  if (!e.success && before.size() == 1 && e.msg.find("no client remained") != std::string::npos) {
    // 2.x keeps one client per inbound: the last one is disabled instead, under a credential
    // nobody holds, and no longer listed as a key.
    return Retire(c, s, *mine, client_key);
  }
  VPNHUB_ASSIGN_OR_RETURN(auto after, GetInboundWith(c, s));
  const json* still = FindByEmail(ClientsOf(after), email);
  if (still == nullptr || StringField(*still, "comment") == kRemovedComment) return Status::Ok();
  if (!e.success) return FailedPrecondition(Where(s, what) + " refused the delete: " + e.msg);
  return Unavailable(Where(s, what) + " answered success but the inbound still has " + email);
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

Result<std::vector<ports::RemoteKey>> XuiBackend::ListKeysV2(XuiClient& c, const XuiSettings& s) {
  std::vector<ports::RemoteKey> out;
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(c, s));
  for (const json& client : ClientsOf(in)) {
    const std::string email = StringField(client, "email");
    if (!email.empty() && IsOurs(client)) {
      out.push_back({email, CredentialOf(client, s.protocol)});
    }
  }
  return out;
}

Result<std::vector<json>> XuiBackend::TrafficV2(XuiClient& c, const XuiSettings& s) {
  std::vector<json> out;
  VPNHUB_ASSIGN_OR_RETURN(auto in, GetInboundWith(c, s));
  std::set<std::string> listed;
  for (const json& client : ClientsOf(in)) {
    if (IsOurs(client)) listed.insert(StringField(client, "email"));
  }
  if (in.client_stats.is_array()) {
    for (const json& t : in.client_stats) {
      if (t.is_object() && listed.count(StringField(t, "email")) != 0) out.push_back(t);
    }
  }
  return out;
}

}  // namespace vpnhub::vpn::xui
