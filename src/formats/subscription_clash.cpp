// The Clash Meta / Mihomo subscription: proxies, one select group of all, MATCH to the group.
// Field names as Mihomo's adapter/outbound/*.go read them (`proxy:"..."` tags).
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "formats/subscription_internal.hpp"
#include "formats/wg_conf_parse.hpp"

namespace vpnhub::formats::subscription_internal {
namespace {

using Map = nlohmann::ordered_json;

// Every string double-quoted: a password "123456" or "yes", a path "12:30" must reach Mihomo as
// the string it is, whatever YAML version reads it.
void Emit(YAML::Emitter& out, const Map& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, value] : v.items()) {
      out << YAML::Key << key << YAML::Value;
      Emit(out, value);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : v) Emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << YAML::DoubleQuoted << v.get<std::string>();
  } else if (v.is_boolean()) {
    out << v.get<bool>();
  } else if (v.is_number_unsigned()) {
    out << v.get<std::uint64_t>();
  } else if (v.is_number_integer()) {
    out << v.get<std::int64_t>();
  } else {
    out << YAML::Null;
  }
}

void PutStream(Map& p, const LinkStream& s, bool vless) {
  p["network"] = s.network;
  if (s.security != "none") {
    if (vless) p["tls"] = true;
    if (!s.sni.empty()) p[vless ? "servername" : "sni"] = s.sni;
  }
  if (vless && !s.flow.empty()) p["flow"] = s.flow;
  if (!s.alpn.empty()) p["alpn"] = s.alpn;
  // Mihomo's REALITY needs a uTLS fingerprint ("cannot be empty" in its docs).
  std::string fp = s.fp;
  if (fp.empty() && s.security == "reality") fp = "chrome";
  if (!fp.empty() && s.security != "none") p["client-fingerprint"] = fp;
  if (s.security == "reality") {
    p["reality-opts"] = {{"public-key", s.pbk}};
    if (!s.sid.empty()) p["reality-opts"]["short-id"] = s.sid;
  }
  if (s.network == "ws") {
    Map ws = {{"path", s.path.empty() ? "/" : s.path}};
    if (!s.host.empty()) ws["headers"] = {{"Host", s.host}};
    p["ws-opts"] = ws;
  } else if (s.network == "grpc") {
    p["grpc-opts"] = {{"grpc-service-name", s.service_name}};
  }
}

std::optional<Map> LinkProxy(const ParsedProxyLink& link) {
  Map p = {{"name", ""}, {"type", link.scheme}, {"server", link.host}, {"port", link.port}};
  if (link.scheme == "ss") {
    if (!IsPlainShadowsocks(link)) return std::nullopt;
    p["cipher"] = link.method;
    p["password"] = link.user;
    p["udp"] = true;
    return p;
  }
  const LinkStream s = ReadLinkStream(link);
  if (!s.ok) return std::nullopt;
  if (link.scheme == "vless") {
    p["uuid"] = link.user;
  } else {
    if (s.security == "none") return std::nullopt;  // Mihomo's trojan is always over TLS
    p["password"] = link.user;
  }
  p["udp"] = true;
  PutStream(p, s, link.scheme == "vless");
  return p;
}

// Address "10.8.0.2/24" -> "10.8.0.2".
std::string WithoutPrefix(const std::string& address) {
  return address.substr(0, address.find('/'));
}

bool ReadUint(const std::string& text, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Mihomo's amnezia-wg-option: Jc, Jmin, Jmax, S1, S2, H1..H4 (AmneziaWG 1.x). A .conf with
// AmneziaWG 2.0 keys (S3, S4, I1..I5) is more than Mihomo takes (its Meta branch of February
// 2025, which this was checked against): false, and the key is left out.
bool PutAmnezia(Map& p, const WgConfFields& wg) {
  if (wg.amnezia.empty()) return true;
  // AmneziaWG's own defaults for a key the .conf leaves out: no junk, no padding, the plain
  // WireGuard message types 1..4.
  Map opt = {{"jc", 0}, {"jmin", 0}, {"jmax", 0}, {"s1", 0}, {"s2", 0},
             {"h1", 1}, {"h2", 2},   {"h3", 3},   {"h4", 4}};
  for (const auto& [key, value] : wg.amnezia) {
    std::string k = key;
    for (char& c : k) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::uint64_t n = 0;
    if (!opt.contains(k) || !ReadUint(value, n) || n > 0xFFFFFFFFu) return false;
    opt[k] = n;
  }
  p["amnezia-wg-option"] = opt;
  return true;
}

std::optional<Map> ConfProxy(const std::string& conf) {
  auto wg = ParseWgConf(conf);
  if (!wg.ok()) return std::nullopt;
  Map p = {{"name", ""},
           {"type", "wireguard"},
           {"server", wg->endpoint_host},
           {"port", wg->endpoint_port}};
  for (const auto& a : wg->addresses) {
    const std::string ip = WithoutPrefix(a);
    const char* key = ip.find(':') == std::string::npos ? "ip" : "ipv6";
    if (!p.contains(key)) p[key] = ip;
  }
  p["private-key"] = wg->private_key;
  p["public-key"] = wg->public_key;
  if (!wg->preshared_key.empty()) p["pre-shared-key"] = wg->preshared_key;
  p["udp"] = true;
  if (wg->mtu > 0) p["mtu"] = wg->mtu;
  if (wg->persistent_keepalive > 0) p["persistent-keepalive"] = wg->persistent_keepalive;
  if (!wg->dns.empty()) {
    p["remote-dns-resolve"] = true;
    p["dns"] = wg->dns;
  }
  if (!PutAmnezia(p, *wg)) return std::nullopt;
  return p;
}

}  // namespace

Result<SubscriptionDocument> RenderClash(const std::vector<SubscriptionEntry>& entries) {
  UniqueNames names;
  // Mihomo's built-in policies: a proxy with one of these names would shadow it.
  for (const char* reserved : {"DIRECT", "REJECT", "REJECT-DROP", "PASS", "COMPATIBLE", "GLOBAL"}) {
    names.Take(reserved);
  }
  const std::string group = names.Take("PROXY");
  Map proxies = Map::array();
  Map members = Map::array();
  for (const auto& e : entries) {
    std::optional<Map> p;
    std::string name = e.name;
    if (!e.link.empty()) {
      auto link = ParseProxyLink(e.link);
      if (link.ok()) {
        p = LinkProxy(*link);
        name = EntryName(e, *link);
      }
    } else if (!e.conf.empty()) {
      p = ConfProxy(e.conf);
    }
    if (!p) continue;
    (*p)["name"] = names.Take(name);
    members.push_back((*p)["name"]);
    proxies.push_back(std::move(*p));
  }
  if (proxies.empty()) return NotFound("no entry Clash can describe");
  const Map doc = {
      {"proxies", proxies},
      {"proxy-groups",
       Map::array({Map{{"name", group}, {"type", "select"}, {"proxies", members}}})},
      {"rules", Map::array({"MATCH," + group})},
  };
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, doc);
  if (!out.good()) return Internal("YAML: " + out.GetLastError());
  return SubscriptionDocument{"text/yaml; charset=utf-8", std::string(out.c_str()) + "\n", "yaml"};
}

}  // namespace vpnhub::formats::subscription_internal
