#pragma once
// ports::VpnBackend for Outline servers (shadowbox), through their management API: HTTPS to
// apiUrl (its path is the API's secret) with the self-signed certificate pinned by certSha256
// (vpn/common/pinned_https). The server makes each access key (id, password, port, accessUrl);
// the hub finds its keys by name: an access key named Key::remote_name is that key.
//
// Server settings (ServerSettings):
//   api_url      "https://HOST:PORT/SECRET" as Outline's installer prints it (required; secret:
//                never printed, never in a message)
//   cert_sha256  the SHA-256 of the API's certificate, 64 lowercase hex digits (required)
//   api_host     "HOST:PORT" of api_url, only for `server list` (optional)
// Key::remote_data: {"id":"<access key id>","accessUrl":"ss://..."}, as the server made them.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"

namespace vpnhub::vpn::outline {

inline constexpr char kKindName[] = "outline";

// An API URL taken apart: https://host:port/path, host without brackets.
struct ApiUrl {
  std::string base;  // the URL without a trailing '/': routes are appended to it
  std::string host;
  int port = 443;
  std::string path;  // "/SECRET" (non-empty)
};
// Checks an API URL without I/O: https, a host name or IP literal, an optional port 1..65535, a
// non-empty path, no query, fragment, user or blank. Messages never repeat the URL.
Result<ApiUrl> ParseApiUrl(const std::string& text);

struct OutlineSettings {
  ApiUrl api;
  std::string cert_sha256;  // as ParseCertSha256 returns it
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong.
Result<OutlineSettings> ParseSettings(const ServerSettings& settings);

// An access key as the API describes it (AccessKey in api.yml).
struct AccessKey {
  std::string id;
  std::string name;
  std::string password;
  int port = 0;
  std::string method;
  std::string access_url;
  std::optional<std::int64_t> data_limit_bytes;
};

// What GET /server tells (the fields the hub uses).
struct ServerInfo {
  std::string name;
  std::string server_id;
  std::string version;
  std::string hostname_for_access_keys;
};

// Thread-safe; holds no state but the deadline.
class OutlineBackend : public ports::VpnBackend {
 public:
  // `call_deadline` bounds each HTTPS request (a CreateKey makes one to four).
  explicit OutlineBackend(std::chrono::milliseconds call_deadline = std::chrono::seconds(3));

  ServerKind kind() const override { return kKindName; }
  // ParseSettings; any capacity >= 0 (Outline keys take no slot of a shared resource).
  Status ValidateSettings(const Server& server) const override;
  // nullopt: Outline keys share the server's one port.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // PUT /access-keys/{key.remote_name} with the name, the key's secret as password and its
  // limit (servers since 1.8): 201 made it; 409 with our key under that id is a key an earlier
  // try made (its data limit is set when it differs). No listing: one request per new key.
  // A server without that route (405/404: before 1.8) lists the access keys instead: one named
  // key.remote_name is the key (left as it is, except that its
  // data limit is set when the key has one and the server's differs). Otherwise POST
  // /access-keys with the name, the key's secret as password and its limit
  // (Key::traffic_limit_bytes, from LIMIT_GB; 0 = none), then PUT name / data-limit when the
  // server did not take them from the POST (older servers); a key that could not be named is
  // deleted again so that a retry does not make a second one.
  Status CreateKey(const Server& server, const Key& key) override;
  // {"id","accessUrl"} of the access key named key.remote_name (GET /access-keys/{remote name},
  // else from the list); kUnavailable (retryable: the provisioning runs again) when there is none.
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  // Deletes every access key named key.remote_name and the one remote_data names when it is
  // still the same key (same id and accessUrl: renamed in Outline Manager); none = Ok.
  Status DeleteKey(const Server& server, const Key& key) override;
  // Every access key of the server: remote_id = its id, secret = its password.
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // Ok when GET /server answers 200 with a JSON object.
  Status Ping(const Server& server) override;
  // GET /metrics/transfer (bytes in the last 30 days per access key id), for the keys the server
  // lists now (Outline keeps counting deleted ids).
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // 22 characters from `secrets`: the password asked for in POST /access-keys (servers before
  // 1.8 make their own).
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // Outline's accessUrl from key.remote_data with `name` as its fragment (formats/outline_link),
  // and a QR code of it. kFailedPrecondition when the key has no remote_data yet.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

  // GET /server.
  Result<ServerInfo> GetServerInfo(const Server& server);
  // GET /access-keys.
  Result<std::vector<AccessKey>> ListAccessKeys(const Server& server);

 private:
  // GET /access-keys/{id}: nullopt when there is none (404).
  Result<std::optional<AccessKey>> GetOwnAccessKey(const Server& server, const std::string& id);
  // PUT /access-keys/{remote name} (servers since 1.8): the key made, or the one an earlier try
  // made under that id; nullopt when the server has no such route (older servers).
  Result<std::optional<AccessKey>> PutAccessKey(const Server& server, const Key& key);
  // PUT /access-keys/{id}/data-limit unless the key has `want_limit` already (0: no limit).
  Status SetLimit(const Server& server, const AccessKey& made, std::int64_t want_limit);

  std::chrono::milliseconds call_deadline_;
};

}  // namespace vpnhub::vpn::outline
