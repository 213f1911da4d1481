// The 3x-ui 3.x API of XuiBackend: clients are records of their own, attached to inbounds, read
// and changed through /panel/api/clients/... by email.
#include <algorithm>
#include <set>

#include "formats/ss_link.hpp"
#include "vpn/xui/xui_backend.hpp"
#include "vpn/xui/xui_records.hpp"

namespace vpnhub::vpn::xui {
namespace {

using nlohmann::json;

constexpr int kPageSize = 200;  // the most a 3.x panel gives per page (clientPageMaxSize)

}  // namespace

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

Status XuiBackend::UpdateV3(XuiClient& c, const XuiSettings& s, const Key& key,
                            const std::string& credential) {
  // 3.x updates by email whatever the credential: look first, so that a client of that email
  // under another credential is left as it is, and a lost one is made again.
  VPNHUB_ASSIGN_OR_RETURN(
      auto g, c.Call("GET", "/panel/api/clients/get/" + formats::PercentEncode(key.remote_name), "",
                     "GET clients/get/{email}"));
  if (!g.success) return CreateV3(c, s, key);
  if (CredentialOf(Sub(g.obj, "client"), s.protocol) != credential) {
    return FailedPrecondition(Where(s, "GET clients/get/{email}") + ": the panel's client " +
                              key.remote_name + " has another credential");
  }
  const std::string what = "POST clients/update/{email}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto e, c.Call("POST", "/panel/api/clients/update/" + formats::PercentEncode(key.remote_name),
                     ClientJson(s, key).dump(), what));
  if (!e.success) return FailedPrecondition(Where(s, what) + " refused the update: " + e.msg);
  return Status::Ok();
}

Status XuiBackend::DeleteV3(XuiClient& c, const XuiSettings& s, const std::string& email) {
  const std::string what = "POST clients/del/{email}";
  VPNHUB_ASSIGN_OR_RETURN(
      auto e, c.Call("POST", "/panel/api/clients/del/" + formats::PercentEncode(email), "", what));
  VPNHUB_ASSIGN_OR_RETURN(
      auto g, c.Call("GET", "/panel/api/clients/get/" + formats::PercentEncode(email), "",
                     "GET clients/get/{email}"));
  if (!g.success) return Status::Ok();  // no such client (any more)
  if (!e.success) return FailedPrecondition(Where(s, what) + " refused the delete: " + e.msg);
  return Unavailable(Where(s, what) + " answered success but the panel still has " + email);
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

Result<std::vector<ports::RemoteKey>> XuiBackend::ListKeysV3(XuiClient& c, const XuiSettings& s) {
  std::vector<ports::RemoteKey> out;
  VPNHUB_ASSIGN_OR_RETURN(auto items, ListV3(c, s));
  std::set<std::string> seen;
  for (const json& item : items) {
    const std::string email = StringField(item, "email");
    if (!email.empty() && IsOurs(item) && seen.insert(email).second) out.push_back({email, ""});
  }
  return out;
}

Result<std::vector<json>> XuiBackend::TrafficV3(XuiClient& c, const XuiSettings& s) {
  std::vector<json> out;
  VPNHUB_ASSIGN_OR_RETURN(auto items, ListV3(c, s));
  for (const json& item : items) {
    if (!IsOurs(item)) continue;
    json t = Sub(item, "traffic");
    t["email"] = StringField(item, "email");
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace vpnhub::vpn::xui
