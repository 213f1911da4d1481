#include "vpn/xui/xui_inbound.hpp"

#include <iterator>

#include "vpn/xui/xui_records.hpp"
#include "vpn/xui/xui_settings.hpp"

namespace vpnhub::vpn::xui {
namespace {

using nlohmann::json;

// The protocols and ports the kind serves.
Status CheckServed(const Inbound& in, const std::string& where) {
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
  return Status::Ok();
}

// network and what tcp (an http header), ws or grpc adds to the links; the network.
Result<std::string> TransportSettings(const json& st, const std::string& where,
                                      ServerSettings& out) {
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
  return network;
}

void TlsSettings(const json& st, ServerSettings& out) {
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
}

Status RealitySettings(const json& st, const std::string& where, ServerSettings& out) {
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
  return Status::Ok();
}

// security and what tls or reality adds to the links; the security.
Result<std::string> SecuritySettings(const json& st, const std::string& where,
                                     ServerSettings& out) {
  std::string security = StringField(st, "security");
  if (security.empty()) security = "none";
  if (security != "none" && security != "tls" && security != "reality") {
    return FailedPrecondition(where + " uses the security \"" + security +
                              "\": the xui kind's links describe none, tls and reality");
  }
  out["security"] = security;
  if (security == "tls") {
    TlsSettings(st, out);
  } else if (security == "reality") {
    VPNHUB_RETURN_IF_ERROR(RealitySettings(st, where, out));
  }
  return security;
}

// A Shadowsocks 2022 inbound's method and server key.
Status ShadowsocksSettings(const Inbound& in, const std::string& where, ServerSettings& out) {
  const std::string method = StringField(in.settings, "method");
  if (Shadowsocks2022KeyBytes(method) == 0) {
    return FailedPrecondition(where + " uses the method \"" + method +
                              "\": the xui kind serves Shadowsocks 2022 (2022-blake3-*) only");
  }
  const std::string psk = StringField(in.settings, "password");
  if (psk.empty()) return FailedPrecondition(where + " has no server key (settings.password)");
  out["ss_method"] = method;
  out["ss_server_psk"] = psk;
  return Status::Ok();
}

}  // namespace

Inbound InboundOf(const json& obj) {
  Inbound in;
  in.id = static_cast<int>(IntField(obj, "id"));
  in.protocol = StringField(obj, "protocol");
  in.port = static_cast<int>(IntField(obj, "port"));
  in.settings = Nested(obj, "settings");
  in.stream_settings = Nested(obj, "streamSettings");
  if (auto cs = obj.find("clientStats"); cs != obj.end()) in.client_stats = *cs;
  return in;
}

std::vector<json> ClientsOf(const Inbound& in) {
  std::vector<json> out;
  auto it = in.settings.find("clients");
  if (it == in.settings.end() || !it->is_array()) return out;
  for (const auto& c : *it) {
    if (c.is_object()) out.push_back(c);
  }
  return out;
}

Result<ServerSettings> LinkSettingsOf(const Inbound& in) {
  ServerSettings out;
  const std::string where = "inbound " + std::to_string(in.id);
  VPNHUB_RETURN_IF_ERROR(CheckServed(in, where));
  out["protocol"] = in.protocol;
  out["inbound_port"] = std::to_string(in.port);
  VPNHUB_ASSIGN_OR_RETURN(auto network, TransportSettings(in.stream_settings, where, out));
  VPNHUB_ASSIGN_OR_RETURN(auto security, SecuritySettings(in.stream_settings, where, out));
  // Vision only where Xray allows it: VLESS over raw TCP with TLS or Reality.
  if (in.protocol == "vless" && network == "tcp" && (security == "tls" || security == "reality")) {
    out["flow"] = "xtls-rprx-vision";
  }
  if (in.protocol == "shadowsocks") VPNHUB_RETURN_IF_ERROR(ShadowsocksSettings(in, where, out));
  // Leave out what is empty.
  for (auto it = out.begin(); it != out.end();) {
    it = it->second.empty() ? out.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace vpnhub::vpn::xui
