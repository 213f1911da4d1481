#pragma once
// ports::VpnBackend for 3x-ui panels (github.com/MHSanaei/3x-ui): one inbound of the panel per
// server; each key is one client of that inbound, found by its email, which is Key::remote_name.
// Both API generations (vpn/xui/xui_client.hpp): v2 (2.x: cookie login, /panel/api/inbounds/...)
// and v3 (3.x: bearer token, /panel/api/clients/...).
//
// The server settings, and the credential each protocol derives from Key::secret (a UUID):
// vpn/xui/xui_settings.hpp; the link settings read from the inbound: vpn/xui/xui_inbound.hpp.
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
#include "vpn/xui/xui_client.hpp"
#include "vpn/xui/xui_inbound.hpp"
#include "vpn/xui/xui_settings.hpp"

namespace vpnhub::vpn::xui {

inline constexpr char kKindName[] = "xui";

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
  // (restored from an old backup) gets it again (as CreateKey makes it); a client of that email
  // under another credential is kFailedPrecondition.
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
  // The file each group is in: xui_backend.cpp (what both API generations share),
  // xui_backend_v2.cpp (2.x: the inbound's settings) and xui_backend_v3.cpp (3.x: /clients/...).
  nlohmann::json ClientJson(const XuiSettings& s, const Key& key) const;
  Result<std::string> Credential(const XuiSettings& s, const std::string& secret) const;
  Result<Inbound> GetInboundWith(XuiClient& c, const XuiSettings& s);

  Status CreateV2(XuiClient& c, const XuiSettings& s, const Key& key);
  Status UpdateV2(XuiClient& c, const XuiSettings& s, const Key& key,
                  const std::string& credential);
  Status DeleteV2(XuiClient& c, const XuiSettings& s, const std::string& email);
  // v2: the inbound's last client, which 2.x will not delete, disabled under a fresh credential
  // and marked removed (comment "vpnhub-removed").
  Status Retire(XuiClient& c, const XuiSettings& s, const nlohmann::json& client,
                const std::string& client_key);
  Result<std::vector<ports::RemoteKey>> ListKeysV2(XuiClient& c, const XuiSettings& s);
  // The clientStats records (email, up, down) of the hub's clients of the inbound.
  Result<std::vector<nlohmann::json>> TrafficV2(XuiClient& c, const XuiSettings& s);

  Status CreateV3(XuiClient& c, const XuiSettings& s, const Key& key);
  Status UpdateV3(XuiClient& c, const XuiSettings& s, const Key& key,
                  const std::string& credential);
  Status DeleteV3(XuiClient& c, const XuiSettings& s, const std::string& email);
  // v3: the listed clients of the inbound, page by page.
  Result<std::vector<nlohmann::json>> ListV3(XuiClient& c, const XuiSettings& s);
  Result<std::vector<ports::RemoteKey>> ListKeysV3(XuiClient& c, const XuiSettings& s);
  // The traffic records (email, up, down) of the hub's listed clients.
  Result<std::vector<nlohmann::json>> TrafficV3(XuiClient& c, const XuiSettings& s);

  const Options options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<XuiClient>> clients_;
};

}  // namespace vpnhub::vpn::xui
