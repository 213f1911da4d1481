#pragma once
// ports::VpnBackend for Marzban panels (github.com/Gozargah/Marzban): each key is one Marzban
// user, made through the panel's REST API with the key's expiry and traffic limit; the panel
// gives it its proxies (VLESS, Trojan, ... per the chosen inbounds) and a subscription URL, which
// is what the person receives.
//
// Server settings (ServerSettings):
//   api_url       the panel's base URL, http:// or https://, with any path prefix (required; a
//                 secret setting: the prefix may be the panel's secret path)
//   api_host      HOST:PORT of api_url (what `server list` shows)
//   username      the panel admin's username (required)
//   password      the panel admin's password (required; a secret setting, never printed)
//   inbounds      the inbound tags given with --inbound, comma-separated; empty: all of them
//   inbound_map   {"vless": ["VLESS TCP", ...], "trojan": [...]}: the chosen inbounds by protocol,
//                 as the panel's GET /api/inbounds listed them when `server add` probed it
//                 (required: written by PrepareServer)
//   sub_url_base  the public base the panel's relative subscription URLs are made absolute with
//                 (optional; default api_url)
//
// A key is the user named MarzbanUsername(Key::remote_name). Its proxies carry Key::secret (a
// UUID) as the VLESS/VMess id and as the Trojan/Shadowsocks password, so a user of that name
// holding another credential is not the key's. FetchRemoteData returns
// {"username", "subscription_url", "links"} for Key::remote_data; Delivery renders from it alone.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "vpn/marzban/marzban_client.hpp"

namespace vpnhub::vpn::marzban {

inline constexpr char kKindName[] = "marzban";
// The users whose usernames start with this are the hub's (KeyService names keys "vpnhub-...",
// which MarzbanUsername turns into "vpnhub_..."); ListKeys leaves every other user out.
inline constexpr char kOurUsernamePrefix[] = "vpnhub_";
// Users per GET /api/users page in ListKeys and Traffic.
inline constexpr int kPageSize = 500;

struct MarzbanSettings {
  std::string api_url;  // without a trailing '/'
  std::string host;     // the host part of api_url (no brackets for IPv6)
  std::string username;
  std::string password;
  nlohmann::json inbound_map;  // {protocol: [tag, ...]}, at least one protocol
  std::string sub_url_base;    // without a trailing '/'; api_url when not set
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong.
Result<MarzbanSettings> ParseSettings(const ServerSettings& settings);
// An http(s) URL as stored (trailing '/' removed) and its host; kInvalidArgument saying what is
// wrong with it.
Result<std::pair<std::string, std::string>> NormalizeUrl(const std::string& value);

// The Marzban username of a remote name: lower case, every character outside [a-z0-9_] turned
// into '_' ("vpnhub-42-AbC123" -> "vpnhub_42_abc123"); a result longer than 32 characters keeps
// its first 23 and ends in '_' and 8 hex digits of a hash of the whole remote name; a shorter one
// than 3 is padded with '_'. Deterministic.
std::string MarzbanUsername(const std::string& remote_name);

// What FetchRemoteData stored for a key.
struct RemoteUser {
  std::string username;
  std::string subscription_url;  // as the panel answered it (relative or absolute)
  std::vector<std::string> links;
};
// Reads Key::remote_data; kFailedPrecondition when it is empty or not what FetchRemoteData writes.
Result<RemoteUser> ParseRemoteData(const std::string& remote_data);
// `subscription_url` made absolute with `base` when it is relative ("/sub/TOKEN").
std::string AbsoluteSubscriptionUrl(const std::string& base, const std::string& subscription_url);

class MarzbanBackend : public ports::VpnBackend {
 public:
  explicit MarzbanBackend(std::chrono::milliseconds call_deadline = std::chrono::seconds(3));

  ServerKind kind() const override { return kKindName; }
  // ParseSettings, plus capacity >= 0.
  Status ValidateSettings(const Server& server) const override;
  // nullopt: keys take no port.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // POST /api/user (one call with a warm token). A 409 (the username exists) is answered by
  // GET /api/user/{u}: the user is this key when one of its proxies holds Key::secret (left
  // untouched), else kAlreadyExists. What the panel answered is kept in memory for
  // FetchRemoteData.
  Status CreateKey(const Server& server, const Key& key) override;
  // {"username", "subscription_url", "links"}: what CreateKey got, or else GET /api/user/{u}. A
  // user missing (removed since CreateKey) is kUnavailable, so that the provisioning runs again.
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  // PUT /api/user/{u} with the key's expire and data_limit. A missing user is
  // kFailedPrecondition.
  Status UpdateKey(const Server& server, const Key& key) override;
  // DELETE /api/user/{u}; 404 (already gone) is Ok.
  Status DeleteKey(const Server& server, const Key& key) override;
  // The hub's users (named kOurUsernamePrefix...), page by page: remote_id is the username;
  // secret is the VLESS id (else the Trojan password) the panel holds.
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // GET /api/admin with the token (logging in when needed).
  Status Ping(const Server& server) override;
  // used_traffic of the hub's users, from the same paged listing as ListKeys.
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // A random UUID (version 4): Marzban wants a UUID as the VLESS id.
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // link and qr_text: the user's subscription URL made absolute with sub_url_base (else
  // api_url). kFailedPrecondition for a key without remote data.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

  // The panel's client for the server (one per api_url and admin, kept for the backend's life so
  // that its token is reused).
  Result<std::shared_ptr<MarzbanClient>> ClientFor(const Server& server);

 private:
  // Every user of the panel whose username starts with kOurUsernamePrefix.
  Result<std::vector<nlohmann::json>> OurUsers(const Server& server);
  void Remember(const std::string& cache_key, const nlohmann::json& user);

  std::chrono::milliseconds call_deadline_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<MarzbanClient>> clients_;
  // What CreateKey got per api_url and username, until FetchRemoteData takes it.
  std::map<std::string, std::string> created_;
};

// The probe before `server add` saves a server: logs in, lists the inbounds and checks that each
// chosen tag is one of them; writes inbound_map (every inbound when none was chosen) and, when the
// server has no public host, the host of api_url. Any failure refuses the server with its reason.
Status PrepareServer(std::chrono::milliseconds call_deadline, Server& server);

}  // namespace vpnhub::vpn::marzban
