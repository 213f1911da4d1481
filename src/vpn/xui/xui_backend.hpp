#pragma once
// ports::VpnBackend for 3x-ui panels (github.com/MHSanaei/3x-ui): one inbound of the panel per
// server; each key is one client of that inbound, found by its email, which is Key::remote_name.
// Both API generations (vpn/xui/xui_client.hpp): v2 (2.x: cookie login, /panel/api/inbounds/...)
// and v3 (3.x: bearer token, /panel/api/clients/...).
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
// Key::remote_data stays empty: links are built from the settings and the secret.
//
// The hub's clients carry the comment "vpnhub"; the inbound's other clients (the operator's own,
// such as the one a 2.x panel needs to keep) are not keys: never listed, counted or removed.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "formats/proxy_links.hpp"
#include "vpn/xui/xui_client.hpp"

namespace vpnhub::vpn::xui {

inline constexpr char kKindName[] = "xui";

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

// The credentials derived from a key's secret (see above).
Result<std::string> TrojanPassword(const std::string& uuid);
Result<std::string> Shadowsocks2022UserKey(const std::string& method, const std::string& uuid);
// Key length in bytes of a 2022-blake3-* method; 0 for another method.
int Shadowsocks2022KeyBytes(const std::string& method);

// What the backend reads of one inbound (GET /panel/api/inbounds/get/{id}).
struct Inbound {
  int id = 0;
  std::string protocol;
  int port = 0;
  nlohmann::json settings;         // parsed from its settings string
  nlohmann::json stream_settings;  // parsed from its streamSettings string
  nlohmann::json client_stats;     // clientStats array (may be null)
};
// The link settings (protocol .. ss_server_psk above) an inbound gives; kFailedPrecondition for an
// inbound the kind cannot serve (another protocol, a transport the links cannot describe).
Result<ServerSettings> LinkSettingsOf(const Inbound& inbound);

class XuiBackend : public ports::VpnBackend {
 public:
  struct Options {
    std::chrono::milliseconds call_deadline{3000};
    int limit_ip = 0;  // limitIp of every client (0: unlimited)
  };
  explicit XuiBackend(Options options);

  ServerKind kind() const override { return kKindName; }
  Status ValidateSettings(const Server& server) const override;
  // nullopt: clients share the inbound's port.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // v2: POST /panel/api/inbounds/addClient {"id":inbound,"settings":"{\"clients\":[...]}"};
  // v3: POST /panel/api/clients/add {"client":{...},"inboundIds":[inbound]}. One call when the
  // session is warm. The client carries the key's expiry (expiryTime, ms; 0 = never), traffic
  // limit (totalGB, bytes) and limitIp. A refusal is checked against the panel: a client with
  // our email and our credential is a key an earlier try made (Ok); with another credential
  // kAlreadyExists.
  Status CreateKey(const Server& server, const Key& key) override;
  // Sets expiryTime, totalGB and limitIp of the key's client (v2 updateClient/{clientKey}, v3
  // clients/update/{email}), keeping its credential and enabling it. A panel without the client
  // (restored from an old backup) gets it again (CreateKey); a client of that email under another
  // credential is kFailedPrecondition.
  Status UpdateKey(const Server& server, const Key& key) override;
  // Removes the client by email, then asks the panel whether it is gone (a panel may report a
  // delete that did not happen as success): still there -> kUnavailable (retryable). Absent = Ok.
  // A 2.x panel refuses to delete an inbound's last client ("no client remained in Inbound"):
  // that one is disabled under a fresh random credential and commented "vpnhub-removed" instead.
  // v2: GET inbound (the client's own id/password is the delClient key), POST
  // /{inbound}/delClient/{clientKey}, GET inbound; v3: POST /clients/del/{email}, GET
  // /clients/get/{email}.
  Status DeleteKey(const Server& server, const Key& key) override;
  // The inbound's clients commented "vpnhub": remote_id = email, secret = id or password (v2: one
  // GET of the inbound; v3: /clients/list/paged?inbound=N in pages of 200, secret empty as the page
  // omits it).
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // GET /panel/api/inbounds/get/{inbound}: Ok when it answers success.
  Status Ping(const Server& server) override;
  // up+down per client of the inbound (v2: clientStats of the inbound; v3: the paged list).
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // A random UUID (version 4) from `secrets`.
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // The vless://, trojan:// or ss:// link of the key, built from the settings and the secret
  // (formats/proxy_links), for server.public_host; the QR code shows it.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

  // GET /panel/api/inbounds/get/{id}.
  Result<Inbound> GetInbound(const Server& server);
  // The v3 probe: after GET inbounds/get/{id} answered, GET
  // /panel/api/clients/list/paged?page=1&pageSize=1 answers 404 on 2.x. A password login that
  // 3.x refuses for want of a CSRF token (403) is v3 too.
  Result<ApiGen> DetectApi(const Server& server);
  // The panel's client of `server` (one per panel and credentials, kept for the process).
  std::shared_ptr<XuiClient> ClientFor(const XuiSettings& settings);

 private:
  Status CreateV2(XuiClient& c, const XuiSettings& s, const Key& key);
  Status CreateV3(XuiClient& c, const XuiSettings& s, const Key& key);
  nlohmann::json ClientJson(const XuiSettings& s, const Key& key) const;
  Result<std::string> Credential(const XuiSettings& s, const std::string& secret) const;
  // v3: the listed clients of the inbound, page by page.
  Result<std::vector<nlohmann::json>> ListV3(XuiClient& c, const XuiSettings& s);
  Result<Inbound> GetInboundWith(XuiClient& c, const XuiSettings& s);
  // v2: the inbound's last client, which 2.x will not delete, disabled under a fresh credential
  // and marked removed (comment "vpnhub-removed").
  Status Retire(XuiClient& c, const XuiSettings& s, const nlohmann::json& client,
                const std::string& client_key);

  const Options options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<XuiClient>> clients_;
};

}  // namespace vpnhub::vpn::xui
