#pragma once
// Share links of Xray-style proxies as 3x-ui's subscription service writes them
// (sub/subService.go): vless://, trojan:// and Shadowsocks 2022 ss:// links. Pure functions, no
// I/O; safe from any thread.
//
// The query is written as Go's url.Values.Encode() writes it: keys sorted, keys and values
// query-escaped (every byte but A-Z a-z 0-9 - _ . ~ as %XX, a space as '+'). An IPv6 host is put
// in brackets; the name is the #fragment, percent-encoded (formats/ss_link.hpp PercentEncode).
#include <map>
#include <string>
#include <string_view>

namespace vpnhub::formats {

// Go's url.QueryEscape.
std::string QueryEscape(std::string_view text);

// What the link says about the transport and its security, read from an inbound's
// streamSettings. Empty strings are left out of the link.
struct ProxyStream {
  std::string network = "tcp";    // "type": tcp, ws, grpc
  std::string security = "none";  // none, tls, reality
  std::string sni;                // tls: tlsSettings.serverName; reality: serverNames[0]
  std::string fp;                 // tls/reality fingerprint
  std::string alpn;               // tls: comma-separated
  std::string pbk;                // reality publicKey
  std::string sid;                // reality shortIds[0]
  std::string spx;                // reality spiderX
  std::string path;               // ws path, or tcp http header path
  std::string host;               // ws Host, or tcp http header Host
  std::string header_type;        // tcp: "http" when the inbound has an HTTP header
  std::string service_name;       // grpc
  std::string grpc_mode;          // grpc: "multi" when multiMode
  std::string flow;               // xtls-rprx-vision; written only for tcp with tls/reality
};

// The query parameters of a link for `stream` (sorted by key). `vless` adds encryption=none.
std::map<std::string, std::string> ProxyQuery(const ProxyStream& stream, bool vless);

// "k1=v1&k2=v2" as url.Values.Encode() writes it.
std::string EncodeQuery(const std::map<std::string, std::string>& query);

// "host:port" with an IPv6 host (one containing ':') in brackets unless it already is.
std::string HostPort(std::string_view host, int port);

// vless://UUID@HOST:PORT?QUERY#NAME. An empty name leaves out the '#'.
std::string VlessLink(std::string_view uuid, std::string_view host, int port,
                      const ProxyStream& stream, std::string_view name);

// trojan://PASSWORD@HOST:PORT?QUERY#NAME, the password percent-encoded.
std::string TrojanLink(std::string_view password, std::string_view host, int port,
                       const ProxyStream& stream, std::string_view name);

// Shadowsocks 2022 (SIP022) for a multi-user inbound:
// ss://METHOD:SERVER_PSK:USER_PSK@HOST:PORT?type=NET#NAME with each of the three percent-encoded
// (a base64 key's '+', '/' and '=' become %2B, %2F, %3D) and the two ':' between them kept, as
// SIP022 asks for 2022-blake3-* methods (no base64 userinfo).
std::string Shadowsocks2022Link(std::string_view method, std::string_view server_psk,
                                std::string_view user_psk, std::string_view host, int port,
                                std::string_view network, std::string_view name);

}  // namespace vpnhub::formats
