#pragma once
// ports::VpnBackend for WireGuard hosts run by `vpnhub node` (src/node/): the node manages the
// peers of one WireGuard interface and answers over HTTPS, its certificate pinned by SHA-256 and
// every call carrying a bearer token (NodeClient). The hub makes every key whole: a key pair and a
// preshared key (Key::secret, see wg_keys.hpp) and the tunnel address of its slot (tunnel.hpp).
//
// Server settings (ServerSettings):
//   node         "https://HOST:PORT" of the node's API (required)
//   cert_sha256  SHA-256 of the node's certificate, 64 lowercase hex digits (required)
//   token        the node's bearer token (required; secret)
//   public_key   the interface's public key, base64      } asked from the node by
//   listen_port  the interface's UDP port                } PrepareServer before `server add`
//   endpoint     "HOST:PORT" the clients dial            } saves the server (GET /v1/server)
//   tunnel       the interface's address and prefix, "10.8.0.1/24"
// The key on slot s has the tunnel address SlotAddress(tunnel, s); its peer on the node is its
// public key.
#include <chrono>
#include <string>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"
#include "vpn/wireguard/tunnel.hpp"

namespace vpnhub::vpn::wireguard {

// The kind name servers of this kind are stored and registered under.
inline constexpr char kKindName[] = "wireguard";
// WG_DNS's default: the DNS server a client .conf names.
inline constexpr char kDefaultDns[] = "1.1.1.1";

struct WireguardSettings {
  std::string node;
  std::string cert_sha256;
  std::string token;
  std::string public_key;
  int listen_port = 0;
  std::string endpoint;
  Tunnel tunnel;
};
// Reads the settings above without I/O. kInvalidArgument names the setting that is wrong (never
// quoting the token).
Result<WireguardSettings> ParseSettings(const ServerSettings& settings);

// The host of an endpoint "HOST:PORT" or "[V6]:PORT" (brackets removed); kInvalidArgument
// otherwise.
Result<std::string> EndpointHost(const std::string& endpoint);

// Before `server add` saves `server` (KindSpec::prepare_server): asks its node (settings node,
// cert_sha256, token) for the interface with GET /v1/server within `deadline`, and stores
// public_key, listen_port, endpoint and tunnel in its settings; an empty public_host becomes the
// endpoint's host. Refuses (nothing is saved) when the node cannot be reached or does not answer
// in time, its certificate is not the pinned one, it refuses the token, its answer is malformed,
// or the server's capacity exceeds the tunnel's free addresses.
Status PrepareServer(std::chrono::milliseconds deadline, Server& server);

// Thread-safe; holds no state but its options.
class WireguardBackend : public ports::VpnBackend {
 public:
  // `call_deadline` bounds each call to a node; `dns` is the DNS line of every client .conf
  // (WG_DNS; empty leaves it out).
  explicit WireguardBackend(std::chrono::milliseconds call_deadline = std::chrono::seconds(3),
                            std::string dns = kDefaultDns);

  ServerKind kind() const override { return kKindName; }
  // ParseSettings, plus 0 <= capacity <= FreeAddresses(tunnel).
  Status ValidateSettings(const Server& server) const override;
  // nullopt: a WireGuard key takes no port (its tunnel address is its slot's).
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override;
  // PUT /v1/peers/{public key}: the key's peer with its preshared key and slot address. Ok when
  // the node added it or had it already (a peer with the same public key is set to the key's
  // preshared key and address). kAlreadyExists when another peer holds the slot's address (it is
  // left alone). A secret that is not a WireGuard credential or a slot outside the tunnel is
  // kInvalidArgument.
  Status CreateKey(const Server& server, const Key& key) override;
  // DELETE /v1/peers/{public key}: Ok also when the node has no such peer. Only the key's own
  // peer (its public key) is ever removed, so an old key never takes out a newer one on its slot.
  Status DeleteKey(const Server& server, const Key& key) override;
  // GET /v1/peers: the peers whose address is one /32 of the tunnel other than the interface's
  // (the hub's address pool); remote_id is the peer's public key (base64), secret is empty (the
  // node never knows a private key). Peers with other allowed IPs are the operator's, left out.
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  // GET /v1/server: Ok when the node answers and its interface still has the public key stored
  // at `server add`; kFailedPrecondition when the interface's key changed (every delivered .conf
  // names the old one).
  Status Ping(const Server& server) override;
  // rx_bytes + tx_bytes of each peer ListKeys lists, remote_id as there.
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;
  // A new private key and preshared key from `secrets` (FormatCredential).
  std::string NewSecret(ports::SecretSource& secrets) const override;
  // The client .conf (formats/wg_conf.hpp) with the key's private key, slot address and
  // preshared key, the interface's public key, the node's endpoint and `dns`; its file name from
  // `name` (WgConfFileName); the QR code shows the same .conf. No link.
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override;

 private:
  std::chrono::milliseconds call_deadline_;
  std::string dns_;
};

}  // namespace vpnhub::vpn::wireguard
