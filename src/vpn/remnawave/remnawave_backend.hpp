#pragma once
// ports::VpnBackend for Remnawave panels (github.com/remnawave/backend, 3.x; 2.x where it
// differs), through the panel's REST API under API_URL/api with an API token made in the panel
// (Authorization: Bearer), through RemnawaveClient (remnawave_client.hpp: the HTTP session with
// its headers and error classification, the settings and the JSON answers read).
//
// A key is a panel user named Key::remote_name (3-36 of [a-zA-Z0-9_-], which "vpnhub-<tg>-<rand>"
// is) with the key's secret as its trojanPassword (how the hub tells its own user from another of
// the same name), its expiry (expireAt), traffic limit (trafficLimitBytes, NO_RESET), the
// server's internal squads (activeInternalSquads: which inbounds the user gets), the device limit
// (hwidDeviceLimit, from LIMIT_IP, left out when 0) and the Telegram id read from the remote name.
// The person gets the user's subscriptionUrl (the panel's subscription page lists the user's
// links to every inbound of its squads).
//
// Server settings (ServerSettings, read by ParseSettings):
//   api_url  the panel's base URL, http(s)://HOST[:PORT][/PREFIX], routes are API_URL/api/...
//            (required; secret: a prefix may be a secret path)
//   api_host "HOST:PORT" of api_url, only for `server list`
//   token    the API token (required; secret)
//   squads   comma-separated internal squad UUIDs given to every user (may be empty: users get
//            no squad)
// Key::remote_data: {"id":N,"shortUuid":"...","subscriptionUrl":"...","links":["vless://...",...]}
// (+"uuid" on 2.x panels). "links" are the user's proxy links as the panel gave them when the
// worker provisioned the key (GET /api/sub/{shortUuid}/info); our subscription lists them
// (KeyDelivery::links) without calling the panel. Data stored before links were kept has none.
//
// Devices: the panel lists a user's HWID devices (GET /api/hwid/devices/{userId}) and deletes one
// (POST /api/hwid/devices/delete {userId, hwid}) or all (POST /api/hwid/devices/delete-all); the
// hub sets only the limit (hwidDeviceLimit) and offers no list or reset yet (no bot screen for it).
//
// Errors: unreachable, no answer, HTTP 5xx, 408 and 429 are retryable (kUnavailable,
// kDeadlineExceeded); a refused token (401, 403) and other refusals are kFailedPrecondition.
// Messages never contain the token or the API URL's path.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "vpn/remnawave/remnawave_client.hpp"

namespace vpnhub::vpn::remnawave {

inline constexpr char kKindName[] = "remnawave";

struct RemnawaveOptions {
  std::chrono::milliseconds call_deadline{3000};
  // hwidDeviceLimit of every user made or updated (LIMIT_IP); 0 leaves it out (the panel's own
  // default applies).
  int limit_ip = 0;
  // Users per page of GET /api/users (the API takes 1..1000).
  int page_size = 1000;
};

// Thread-safe. Holds the data a CreateKey got, per server and remote name, until FetchRemoteData
// takes it (so that a key create costs two panel requests: the user, then its links).
class RemnawaveBackend : public ports::VpnBackend {
 public:
  explicit RemnawaveBackend(RemnawaveOptions options = {});

  ServerKind kind() const override { return kKindName; }
  // ParseSettings; any capacity >= 0.
  Status ValidateSettings(const Server& server) const override;
  // nullopt: users take no port.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // POST /api/users (one request). When the panel answers that the username exists
  // (A019): GET /api/users/by-username/{name}; a user with the key's secret as trojanPassword
  // is this key (made by an earlier try; left as it is), another is kAlreadyExists.
  Status CreateKey(const Server& server, const Key& key) override;
  // {"id","shortUuid","subscriptionUrl","links"} of the user: what CreateKey got when this
  // process made it (no request), else GET /api/users/by-username/{name} (kUnavailable when there
  // is none); then the links from GET /api/sub/{shortUuid}/info.
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  // PATCH /api/users {username, status ACTIVE, expireAt, trafficLimitBytes[, hwidDeviceLimit]}:
  // the key's expiry and limit on the panel. A key whose expiry has passed is sent as status
  // DISABLED without expireAt (the API refuses an expiry in the past). kNotFound when the panel
  // has no such user.
  Status UpdateKey(const Server& server, const Key& key) override;
  // GET /api/users/by-username/{name} (none: Ok), then DELETE /api/users/{id} (2.x: {uuid});
  // 404 = gone already = Ok.
  Status DeleteKey(const Server& server, const Key& key) override;
  // Every user of the panel, page by page (GET /api/users?start=&size=): remote_id = username,
  // secret = trojanPassword.
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // Ok when GET /api/internal-squads answers with the token.
  Status Ping(const Server& server) override;
  // userTraffic.usedTrafficBytes of every user, from the same paged listing; remote_id =
  // username.
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // 24 characters of [A-Za-z0-9] (the user's trojanPassword; the API takes 8-32).
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // The user's subscriptionUrl from key.remote_data, made absolute (a bare "/path" gets the API
  // URL's origin, a bare "host/path" gets https://); its QR code is the same URL; links: the
  // stored "links" (no panel call). kFailedPrecondition when the key has no remote_data yet or
  // its links are not a list of link lines.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

  // GET /api/internal-squads.
  Result<std::vector<Squad>> ListSquads(const Server& server);
  // GET /api/users/by-username/{name}: nullopt on 404.
  Result<std::optional<PanelUser>> GetUserByUsername(const Server& server,
                                                     const std::string& username);
  // Every user, GET /api/users page by page.
  Result<std::vector<PanelUser>> ListUsers(const Server& server);

 private:
  // ParseSettings(server.settings) and a client of that panel with the call deadline.
  Result<RemnawaveClient> Client(const Server& server) const;
  void Remember(const Server& server, const std::string& username, const std::string& data);
  std::optional<std::string> Take(const Server& server, const std::string& username);

  const RemnawaveOptions options_;
  std::mutex mu_;
  std::map<std::string, std::string> made_;  // "<server id>\n<username>" -> remote_data
};

// The "links" of a key's remote_data (empty when it has none); kFailedPrecondition when the
// data is not an object or a link is not one line of printable ASCII with a scheme.
Result<std::vector<std::string>> LinksFromRemoteData(const std::string& remote_data);

// The probe before `server add` saves a server (KindSpec::prepare_server): the token lists the
// internal squads, and every squad of the settings is one of them; with no squad given and
// exactly one on the panel, that one is taken. Without a public host the API URL's host is it.
Status PrepareRemnawaveServer(const RemnawaveOptions& options, Server& server);

}  // namespace vpnhub::vpn::remnawave
