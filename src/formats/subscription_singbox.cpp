// The sing-box subscription: outbounds (shadowsocks, vless, trojan) and WireGuard endpoints, and
// route.final = the first of them. Nothing else: the form the Python bot settled on after a
// selector outbound and rule sets broke loading in Streisand on iOS; no field deprecated in
// sing-box 1.11/1.12 (WireGuard is an endpoint since 1.11, not an outbound).
#include <nlohmann/json.hpp>
#include <optional>

#include "formats/subscription_internal.hpp"
#include "formats/wg_conf_parse.hpp"

namespace vpnhub::formats::subscription_internal {
namespace {

using Obj = nlohmann::ordered_json;

std::optional<Obj> Tls(const LinkStream& s) {
  if (s.security == "none") return std::nullopt;
  Obj tls = {{"enabled", true}};
  if (!s.sni.empty()) tls["server_name"] = s.sni;
  if (!s.alpn.empty()) tls["alpn"] = s.alpn;
  // sing-box's REALITY client runs on uTLS only.
  std::string fp = s.fp;
  if (fp.empty() && s.security == "reality") fp = "chrome";
  if (!fp.empty()) tls["utls"] = {{"enabled", true}, {"fingerprint", fp}};
  if (s.security == "reality") {
    tls["reality"] = {{"enabled", true}, {"public_key", s.pbk}};
    if (!s.sid.empty()) tls["reality"]["short_id"] = s.sid;
  }
  return tls;
}

std::optional<Obj> Transport(const LinkStream& s) {
  if (s.network == "ws") {
    Obj t = {{"type", "ws"}, {"path", s.path.empty() ? "/" : s.path}};
    if (!s.host.empty()) t["headers"] = {{"Host", s.host}};
    return t;
  }
  if (s.network == "grpc") return Obj{{"type", "grpc"}, {"service_name", s.service_name}};
  return std::nullopt;
}

std::optional<Obj> LinkOutbound(const ParsedProxyLink& link) {
  const char* type = link.scheme == "ss" ? "shadowsocks" : link.scheme.c_str();
  Obj o = {{"type", type}, {"tag", ""}, {"server", link.host}, {"server_port", link.port}};
  if (link.scheme == "ss") {
    if (!IsPlainShadowsocks(link)) return std::nullopt;
    o["method"] = link.method;
    o["password"] = link.user;
    return o;
  }
  const LinkStream s = ReadLinkStream(link);
  if (!s.ok) return std::nullopt;
  if (link.scheme == "vless") {
    o["uuid"] = link.user;
    if (!s.flow.empty()) o["flow"] = s.flow;
  } else {
    o["password"] = link.user;
  }
  if (auto tls = Tls(s)) o["tls"] = *tls;
  if (auto transport = Transport(s)) o["transport"] = *transport;
  return o;
}

// Upstream sing-box speaks plain WireGuard only: an AmneziaWG .conf is left out.
std::optional<Obj> ConfEndpoint(const std::string& conf) {
  auto wg = ParseWgConf(conf);
  if (!wg.ok() || !wg->amnezia.empty()) return std::nullopt;
  Obj addresses = Obj::array();
  for (const auto& a : wg->addresses) {
    if (a.find('/') != std::string::npos) {
      addresses.push_back(a);
    } else {
      addresses.push_back(a + (a.find(':') == std::string::npos ? "/32" : "/128"));
    }
  }
  Obj peer = {
      {"address", wg->endpoint_host}, {"port", wg->endpoint_port}, {"public_key", wg->public_key}};
  if (!wg->preshared_key.empty()) peer["pre_shared_key"] = wg->preshared_key;
  peer["allowed_ips"] =
      wg->allowed_ips.empty() ? Obj::array({"0.0.0.0/0", "::/0"}) : Obj(wg->allowed_ips);
  if (wg->persistent_keepalive > 0) {
    peer["persistent_keepalive_interval"] = wg->persistent_keepalive;
  }
  Obj ep = {{"type", "wireguard"}, {"tag", ""}};
  if (wg->mtu > 0) ep["mtu"] = wg->mtu;
  ep["address"] = addresses;
  ep["private_key"] = wg->private_key;
  ep["peers"] = Obj::array({peer});
  return ep;
}

}  // namespace

Result<SubscriptionDocument> RenderSingBox(const std::vector<SubscriptionEntry>& entries) {
  UniqueNames tags;
  Obj outbounds = Obj::array();
  Obj endpoints = Obj::array();
  std::string first;
  for (const auto& e : entries) {
    std::optional<Obj> o;
    bool endpoint = false;
    std::string name = e.name;
    if (!e.link.empty()) {
      auto link = ParseProxyLink(e.link);
      if (link.ok()) {
        o = LinkOutbound(*link);
        name = EntryName(e, *link);
      }
    } else if (!e.conf.empty()) {
      o = ConfEndpoint(e.conf);
      endpoint = true;
    }
    if (!o) continue;
    (*o)["tag"] = tags.Take(name);
    if (first.empty()) first = (*o)["tag"].get<std::string>();
    (endpoint ? endpoints : outbounds).push_back(std::move(*o));
  }
  if (first.empty()) return NotFound("no entry sing-box can describe");
  Obj doc = Obj::object();
  if (!outbounds.empty()) doc["outbounds"] = outbounds;
  if (!endpoints.empty()) doc["endpoints"] = endpoints;
  doc["route"] = {{"final", first}};
  // A name that is not UTF-8 gets U+FFFD for its bad bytes instead of an exception.
  return SubscriptionDocument{
      "application/json; charset=utf-8",
      doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "json"};
}

}  // namespace vpnhub::formats::subscription_internal
