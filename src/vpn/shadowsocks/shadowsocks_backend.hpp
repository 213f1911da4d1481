#pragma once
// ports::VpnBackend for shadowsocks-libev servers run by ss-manager: one key is one port, with
// its own ss-server process.
//
// Server settings (ServerSettings):
//   manager     "host:port" of ss-manager's UDP control socket (required; the host a host name,
//               an IPv4 literal or an IPv6 literal written "[::1]:6001")
//   method      AEAD cipher of every key, default chacha20-ietf-poly1305
//   port_from   first port of the range the hub owns on that manager (required, 1..65535)
//   port_to     last port of that range, inclusive (required, port_from..65535)
// The key on slot s listens on port_from + s and its password is the key's secret.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "vpn/host_resolver.hpp"

namespace vpnhub::vpn::shadowsocks {

// The kind name servers of this kind are stored and registered under.
inline constexpr char kKindName[] = "shadowsocks";
inline constexpr char kDefaultMethod[] = "chacha20-ietf-poly1305";
// The length of a key's password: ~131 bits from [A-Za-z0-9].
inline constexpr std::size_t kSecretLength = 22;

// True for the AEAD ciphers shadowsocks-libev 3.3 supports: aes-128-gcm, aes-192-gcm,
// aes-256-gcm, chacha20-ietf-poly1305, xchacha20-ietf-poly1305.
bool IsSupportedMethod(const std::string& method);

struct ShadowsocksSettings {
  std::string manager;
  std::string method = kDefaultMethod;
  int port_from = 0;
  int port_to = 0;
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong.
Result<ShadowsocksSettings> ParseSettings(const ServerSettings& settings);

// Thread-safe; holds no state but the deadline and the resolver of managers' host names.
class ShadowsocksBackend : public ports::VpnBackend {
 public:
  // `call_deadline` bounds each request to ss-manager (a CreateKey makes two or three), name
  // resolution included. A manager given by host name is resolved by `resolver` (bounded threads,
  // cached answers; see HostResolver).
  explicit ShadowsocksBackend(std::chrono::milliseconds call_deadline = std::chrono::seconds(3),
                              HostResolverOptions resolver = {});

  ServerKind kind() const override { return kKindName; }
  // ParseSettings, plus 0 <= capacity <= the number of ports in port_from..port_to.
  Status ValidateSettings(const Server& server) const override;
  // The manager's host and port, and port_from..port_to.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // Lists the manager's ports first: the key's port running with the same password and method is
  // left untouched (a re-add would kill it); with the same password and another method it is
  // removed and added again; absent, it is added. A port running with another password belongs
  // to another key and is never removed or replaced: that is kAlreadyExists naming the port
  // (permanent for this key on this slot). A "port is not available" answer is retried until one
  // call deadline has passed (an ss-server that was just stopped may still hold the port), then it
  // is kUnavailable with the manager's reply. A slot outside the port range or a secret ss-manager
  // cannot hold is kInvalidArgument.
  Status CreateKey(const Server& server, const Key& key) override;
  // Removes the key's port, which is Ok also when it is not there. A port the manager lists with
  // another password belongs to a newer key on the same slot: it is left alone and the call is Ok.
  Status DeleteKey(const Server& server, const Key& key) override;
  // The ports of this server's range the manager runs; remote_id is the port number as text and
  // secret the password. Ports outside port_from..port_to are not the hub's and are left out.
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // Ok when the manager answers "ping".
  Status Ping(const Server& server) override;
  // Reconciliation: a key's remote id is its port (port_from + slot); every listed port is of
  // the server's range (ListKeys leaves the others out), so every one is the hub's; the
  // credential is the password.
  std::optional<std::string> RemoteIdOf(const Server& server, const Key& key) const override;
  bool IsOurRemoteKey(const Server& server, const ports::RemoteKey& remote) const override;
  bool SameCredential(const Key& key, const ports::RemoteKey& remote) const override;
  // Removes the port `remote` names when the manager lists it with `remote.secret` (absent, or
  // running with another password: Ok, left alone). A port outside the server's range is
  // kInvalidArgument.
  Status DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) override;
  // ss-manager's own counters (the ping's stat): bytes per port of the server's range since
  // that port's ss-server started.
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // kSecretLength characters from `secrets`: the key's password.
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // The SIP002 link ss://base64url(method:secret)@public_host:port#name (name percent-encoded),
  // and a QR code of it; no configuration file.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

 private:
  std::chrono::milliseconds call_deadline_;
  std::unique_ptr<HostResolver> resolver_;
};

}  // namespace vpnhub::vpn::shadowsocks
