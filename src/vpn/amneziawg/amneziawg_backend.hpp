#pragma once
// ports::VpnBackend for AmneziaWG servers run by amnezia-wg-easy
// (github.com/w0rng/amnezia-wg-easy): the hub logs in to its web API and lets it make each key's
// client (key pair, preshared key, tunnel address) and configuration, obfuscation parameters
// included.
//
// Server settings (ServerSettings):
//   api_url    the web UI's base URL, http:// or https:// (required; stored without a trailing
//              '/'; no user name, query or fragment)
//   password   the web UI's password (required; a secret setting, never printed)
//
// A key is the client named Key::remote_name. The server makes its id and its configuration,
// which FetchRemoteData returns as {"id": ..., "config": <the .conf text as the server gave it>}
// for Key::remote_data; Delivery renders from that alone.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "vpn/amneziawg/awg_easy_client.hpp"

namespace vpnhub::vpn::amneziawg {

// The kind name servers of this kind are stored and registered under.
inline constexpr char kKindName[] = "amneziawg";
// amnezia-wg-easy hands out the addresses .2 to .254 of its /24: at most 253 clients.
inline constexpr int kMaxClients = 253;
// The clients whose names start with this are the hub's (KeyService names keys "vpnhub-...");
// ListKeys leaves every other client out.
inline constexpr char kOurNamePrefix[] = "vpnhub-";

struct AmneziaWgSettings {
  std::string api_url;  // without a trailing '/'
  std::string password;
  std::string host;  // the host part of api_url (no brackets for IPv6)
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong.
Result<AmneziaWgSettings> ParseSettings(const ServerSettings& settings);
// An api_url as stored (trailing '/' removed); kInvalidArgument saying what is wrong with it.
Result<std::string> NormalizeApiUrl(const std::string& value);

// What FetchRemoteData stored for a key.
struct RemoteClient {
  std::string id;
  std::string config;
};
// Reads Key::remote_data; kFailedPrecondition when it is empty (the key was not provisioned) or
// not what FetchRemoteData writes.
Result<RemoteClient> ParseRemoteData(const std::string& remote_data);

class AmneziaWgBackend : public ports::VpnBackend {
 public:
  // `call_deadline` bounds each HTTP request (a call makes one to four).
  explicit AmneziaWgBackend(std::chrono::milliseconds call_deadline = std::chrono::seconds(3));

  ServerKind kind() const override { return kKindName; }
  // ParseSettings, plus 0 <= capacity <= kMaxClients.
  Status ValidateSettings(const Server& server) const override;
  // nullopt: keys take no port.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // Lists the clients; one named Key::remote_name is this key (left untouched), else it is
  // created. Calls of this process for one server create one at a time.
  Status CreateKey(const Server& server, const Key& key) override;
  // {"id", "config"} of the client named Key::remote_name. The client missing (removed since
  // CreateKey) is kUnavailable, so that the provisioning runs again; a configuration the hub
  // cannot deliver (formats::AmneziaWgConf refuses it) is kFailedPrecondition.
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  // Deletes the client of Key::remote_data's id and every client named Key::remote_name (so a key
  // whose remote data was never stored is found by name). Ok when none is there.
  Status DeleteKey(const Server& server, const Key& key) override;
  // The hub's clients (named kOurNamePrefix...): remote_id is the client's id; secret is empty
  // (the server keeps the key pair).
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // Ok when the web API answers and the session is (or, after a new login, becomes)
  // authenticated.
  Status Ping(const Server& server) override;
  // transferRx + transferTx of the hub's clients the server's interface reports.
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // A token the server never sees: the server makes the credential of an AmneziaWG key.
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // The server's configuration from Key::remote_data (formats::AmneziaWgConf) as a file named
  // after `name` (formats::ConfFileName), and a QR code of it; no link. kFailedPrecondition for a
  // key without remote data.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

  // The logged-in client of the server's web API (one per api_url and password, kept for the
  // backend's life so that its session is reused).
  Result<std::shared_ptr<AwgEasyClient>> ClientFor(const Server& server);

 private:
  std::chrono::milliseconds call_deadline_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<AwgEasyClient>> clients_;
};

// The probe before `server add` saves a server: logs in with the password and lists the clients;
// any failure refuses the server with its reason. A server without a public host gets the host
// of its api_url.
Status PrepareServer(std::chrono::milliseconds call_deadline, Server& server);

}  // namespace vpnhub::vpn::amneziawg
