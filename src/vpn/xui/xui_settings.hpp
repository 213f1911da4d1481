#pragma once
// The xui kind's server settings and the credentials a key's secret gives, read without I/O.
//
// Server settings (ServerSettings), written by `server add` (xui_kind.hpp):
//   api_url       the panel's base URL http(s)://HOST:PORT[/webBasePath] (required; secret: the
//                 web base path is the panel's hidden address)
//   api_host      HOST:PORT of api_url, for `server list`
//   api           "v2" or "v3" (required)
//   username, password   v2 login (required for v2; password secret)
//   token         v3 API token (required for v3; secret)
//   inbound_id    the panel's inbound the keys are clients of (required)
//   protocol      vless | trojan | shadowsocks (read from the inbound by prepare_server)
//   inbound_port  the inbound's port (the links' port)
//   network, security, sni, fp, alpn, pbk, sid, spx, path, ws_host, header_type, service_name,
//   grpc_mode, flow    what the links say (formats::ProxyStream), read from streamSettings
//   ss_method, ss_server_psk   Shadowsocks 2022: the inbound's method and its server key
//
// Key::secret is a UUID (NewSecret) and every protocol's credential derives from it without I/O:
//   vless: the client id is the UUID itself;
//   trojan: the password is the UUID's 32 hex digits (no dashes: alphanumeric, as trojan clients
//           need);
//   shadowsocks 2022: the user key is base64 of BLAKE2b("vpnhub-xui-ss2022:" + UUID) of the
//           method's key length (16 bytes for 2022-blake3-aes-128-gcm, else 32).
// So NewSecret does not need to know the inbound, and a key keeps its credential across panels.
#include <cstddef>
#include <string>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "formats/proxy_links.hpp"
#include "vpn/xui/xui_client.hpp"

namespace vpnhub::vpn::xui {

// An API URL taken apart.
struct ApiUrl {
  std::string base;   // scheme://authority/path without a trailing '/'
  std::string host;   // without brackets
  int port = 0;       // 80/443 by scheme when not given
  std::string where;  // "HOST:PORT" (IPv6 in brackets)
};
// http or https, a host name or IP literal, an optional port, an optional path; no query,
// fragment, user or blank. Messages never repeat the URL.
Result<ApiUrl> ParseApiUrl(const std::string& text);

struct XuiSettings {
  ApiUrl api;
  ApiGen gen = ApiGen::kV2;
  std::string username, password, token;
  int inbound_id = 0;
  std::string protocol;
  int inbound_port = 0;
  formats::ProxyStream stream;
  std::string ss_method, ss_server_psk;
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong. With
// `for_links` false only what reaching the panel needs is read (before prepare_server filled the
// rest).
Result<XuiSettings> ParseSettings(const ServerSettings& settings, bool for_links = true);

// "3x-ui at HOST:PORT: what", the start of the backend's messages about a panel's answer.
std::string Where(const XuiSettings& s, const std::string& what);

// The credentials derived from a key's secret (see above).
Result<std::string> TrojanPassword(const std::string& uuid);
Result<std::string> Shadowsocks2022UserKey(const std::string& method, const std::string& uuid);
// Key length in bytes of a 2022-blake3-* method; 0 for another method.
int Shadowsocks2022KeyBytes(const std::string& method);

// 8-4-4-4-12 hex digits.
bool IsUuid(const std::string& s);
// Standard base64 with padding.
std::string StdBase64(const unsigned char* data, std::size_t n);

}  // namespace vpnhub::vpn::xui
