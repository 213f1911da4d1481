#include "vpn/wireguard/wireguard_backend.hpp"

#include <utility>

#include "core/host_rules.hpp"
#include "core/text_rules.hpp"
#include "formats/conf_file_name.hpp"
#include "formats/wg_conf.hpp"
#include "vpn/common/pinned_https.hpp"
#include "vpn/wireguard/node_client.hpp"
#include "vpn/wireguard/wg_keys.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("wireguard setting \"" + name + "\" " + why);
}

Result<std::string> Required(const ServerSettings& settings, const std::string& name,
                             const std::string& what) {
  auto it = settings.find(name);
  if (it == settings.end() || it->second.empty())
    return BadSetting(name, "is required (" + what + ")");
  return it->second;
}

// The node's connection settings alone (what PrepareServer has before it asks the node).
struct NodeAccess {
  std::string node;
  std::string cert_sha256;
  std::string token;
};

Result<NodeAccess> ParseNodeAccess(const ServerSettings& settings) {
  NodeAccess a;
  VPNHUB_ASSIGN_OR_RETURN(auto node, Required(settings, "node", "https://HOST:PORT of the node"));
  auto url = ParseNodeUrl(node);
  if (!url.ok()) return BadSetting("node", "is wrong: " + url.status().message());
  a.node = *url;
  VPNHUB_ASSIGN_OR_RETURN(auto cert,
                          Required(settings, "cert_sha256", "the node certificate's SHA-256"));
  auto pin = ParseCertSha256(cert);
  if (!pin.ok()) return BadSetting("cert_sha256", "is wrong: " + pin.status().message());
  a.cert_sha256 = *pin;
  VPNHUB_ASSIGN_OR_RETURN(a.token, Required(settings, "token", "the node's token"));
  for (char c : a.token) {
    if (c <= ' ' || c > '~') {
      return BadSetting("token", "has a character that is not printable ASCII or is a blank");
    }
  }
  return a;
}

NodeClient ClientFor(const NodeAccess& a, std::chrono::milliseconds deadline) {
  return NodeClient(a.node, a.cert_sha256, a.token, deadline);
}

Result<KeyBytes> PublicKeyBytes(const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto credential, ParseCredential(key.secret));
  VPNHUB_ASSIGN_OR_RETURN(auto priv, KeyFromBase64(credential.private_key));
  return PublicKeyOf(ClampPrivateKey(priv));
}

// Whether `address` is a /32 of the tunnel other than the interface's: an address of the hub's
// pool.
bool InPool(const Tunnel& tunnel, const std::string& address) {
  const auto slash = address.find('/');
  if (slash == std::string::npos || address.substr(slash) != "/32") return false;
  auto ip = ParseIpv4(address.substr(0, slash));
  if (!ip) return false;
  const std::uint32_t a = (std::uint32_t{(*ip)[0]} << 24) | (std::uint32_t{(*ip)[1]} << 16) |
                          (std::uint32_t{(*ip)[2]} << 8) | std::uint32_t{(*ip)[3]};
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - tunnel.prefix);
  const std::uint32_t broadcast = tunnel.network | ~mask;
  return (a & mask) == tunnel.network && a != tunnel.network && a != broadcast && a != tunnel.own;
}

Result<std::vector<NodePeer>> PoolPeers(const WireguardSettings& s,
                                        std::chrono::milliseconds deadline) {
  NodeClient client(s.node, s.cert_sha256, s.token, deadline);
  VPNHUB_ASSIGN_OR_RETURN(auto peers, client.Peers());
  std::vector<NodePeer> out;
  for (auto& p : peers) {
    if (InPool(s.tunnel, p.address)) out.push_back(std::move(p));
  }
  return out;
}

Status CheckCapacity(const Server& server, const Tunnel& tunnel, const std::string& tunnel_text) {
  if (server.capacity < 0) return InvalidArgument("capacity must not be negative");
  if (server.capacity > FreeAddresses(tunnel)) {
    return InvalidArgument("capacity " + std::to_string(server.capacity) +
                           " is larger than the tunnel " + tunnel_text + " holds (" +
                           std::to_string(FreeAddresses(tunnel)) + " addresses for keys)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> EndpointHost(const std::string& endpoint) {
  const std::string what = "endpoint " + Quoted(endpoint);
  std::string host;
  std::string port;
  if (endpoint.starts_with('[')) {
    const auto close = endpoint.find(']');
    if (close == std::string::npos || close + 1 >= endpoint.size() || endpoint[close + 1] != ':') {
      return InvalidArgument(what + " is not [IPV6]:PORT");
    }
    host = endpoint.substr(1, close - 1);
    port = endpoint.substr(close + 2);
  } else {
    const auto colon = endpoint.rfind(':');
    if (colon == std::string::npos) return InvalidArgument(what + " is not HOST:PORT");
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return InvalidArgument(what + ": write an IPv6 host as [HOST]:PORT");
    }
  }
  Status st = CheckHost("its host", host);
  if (!st.ok()) return InvalidArgument(what + ": " + st.message());
  if (!ParsePort(port)) return InvalidArgument(what + " has no port 1..65535");
  return host;
}

Result<WireguardSettings> ParseSettings(const ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto access, ParseNodeAccess(settings));
  WireguardSettings s;
  s.node = access.node;
  s.cert_sha256 = access.cert_sha256;
  s.token = access.token;
  const std::string asked = "asked from the node when the server is added";
  VPNHUB_ASSIGN_OR_RETURN(s.public_key, Required(settings, "public_key", asked));
  if (!KeyFromBase64(s.public_key).ok()) {
    return BadSetting("public_key", "is not a WireGuard public key (base64 of 32 bytes)");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto port, Required(settings, "listen_port", asked));
  if (!ParsePort(port)) return BadSetting("listen_port", "must be a port number 1..65535");
  s.listen_port = *ParsePort(port);
  VPNHUB_ASSIGN_OR_RETURN(s.endpoint, Required(settings, "endpoint", asked));
  auto host = EndpointHost(s.endpoint);
  if (!host.ok()) return BadSetting("endpoint", "is wrong: " + host.status().message());
  VPNHUB_ASSIGN_OR_RETURN(auto tunnel_text, Required(settings, "tunnel", asked));
  auto tunnel = ParseTunnel(tunnel_text);
  if (!tunnel.ok()) return BadSetting("tunnel", "is wrong: " + tunnel.status().message());
  s.tunnel = *tunnel;
  return s;
}

Status PrepareServer(std::chrono::milliseconds deadline, Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto access, ParseNodeAccess(server.settings));
  auto info = ClientFor(access, deadline).Server();
  if (!info.ok()) {
    return Status(info.status().code(),
                  "cannot ask the node about its interface: " + info.status().message());
  }
  ServerSettings next = server.settings;
  next["node"] = access.node;
  next["cert_sha256"] = access.cert_sha256;
  next["public_key"] = info->public_key;
  next["listen_port"] = std::to_string(info->listen_port);
  next["endpoint"] = info->endpoint;
  next["tunnel"] = info->tunnel;
  auto parsed = ParseSettings(next);
  if (!parsed.ok()) {
    return Status(parsed.status().code(), "the node " + access.node +
                                              " describes its interface in a way the hub cannot "
                                              "use: " +
                                              parsed.status().message());
  }
  VPNHUB_RETURN_IF_ERROR(CheckCapacity(server, parsed->tunnel, info->tunnel));
  server.settings = std::move(next);
  if (server.public_host.empty()) server.public_host = *EndpointHost(parsed->endpoint);
  return Status::Ok();
}

WireguardBackend::WireguardBackend(std::chrono::milliseconds call_deadline, std::string dns)
    : call_deadline_(call_deadline), dns_(std::move(dns)) {}

Status WireguardBackend::ValidateSettings(const Server& server) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  return CheckCapacity(server, s.tunnel, server.settings.at("tunnel"));
}

Result<std::optional<ports::KeyPortRange>> WireguardBackend::KeyPorts(const Server& server) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  (void)s;
  return std::optional<ports::KeyPortRange>();
}

Status WireguardBackend::CreateKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto credential, ParseCredential(key.secret));
  VPNHUB_ASSIGN_OR_RETURN(auto address, SlotAddress(s.tunnel, key.slot));
  VPNHUB_ASSIGN_OR_RETURN(auto pub, PublicKeyBytes(key));
  NodeClient client(s.node, s.cert_sha256, s.token, call_deadline_);
  auto put = client.PutPeer(KeyToHex(pub), credential.preshared_key, address);
  if (put.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("address " + address + " on node " + s.node +
                         " is held by another peer; it is left alone and key " +
                         std::to_string(key.id) + " is not created there");
  }
  return put.status();
}

Status WireguardBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto pub, PublicKeyBytes(key));
  NodeClient client(s.node, s.cert_sha256, s.token, call_deadline_);
  return client.DeletePeer(KeyToHex(pub));
}

Result<std::vector<ports::RemoteKey>> WireguardBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto peers, PoolPeers(s, call_deadline_));
  std::vector<ports::RemoteKey> out;
  for (const auto& p : peers) out.push_back({p.public_key, ""});
  return out;
}

Status WireguardBackend::Ping(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  NodeClient client(s.node, s.cert_sha256, s.token, call_deadline_);
  VPNHUB_ASSIGN_OR_RETURN(auto info, client.Server());
  if (info.public_key != s.public_key) {
    return FailedPrecondition("the WireGuard interface behind node " + s.node +
                              " has another public key (" + info.public_key +
                              ") than when the server was added (" + s.public_key +
                              "): the keys' .conf files name the old one");
  }
  return Status::Ok();
}

Result<std::optional<std::vector<ports::KeyTraffic>>> WireguardBackend::Traffic(
    const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto peers, PoolPeers(s, call_deadline_));
  std::vector<ports::KeyTraffic> out;
  for (const auto& p : peers) out.push_back({p.public_key, p.rx_bytes + p.tx_bytes});
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string WireguardBackend::NewSecret(ports::SecretSource& secrets) const {
  return FormatCredential(NewCredential(secrets));
}

Result<ports::KeyDelivery> WireguardBackend::Delivery(const Server& server, const Key& key,
                                                      const std::string& name) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto credential, ParseCredential(key.secret));
  VPNHUB_ASSIGN_OR_RETURN(auto address, SlotAddress(s.tunnel, key.slot));
  formats::WgClientConfig conf;
  conf.private_key = credential.private_key;
  conf.address = address;
  conf.dns = dns_;
  conf.server_public_key = s.public_key;
  conf.preshared_key = credential.preshared_key;
  conf.endpoint = s.endpoint;
  ports::KeyDelivery out;
  out.config_name = formats::ConfFileName(name, "wireguard");
  out.config = formats::WgClientConf(conf);
  out.qr_text = out.config;
  return out;
}

}  // namespace vpnhub::vpn::wireguard
