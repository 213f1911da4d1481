#include "vpn/shadowsocks/shadowsocks_backend.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "core/host_rules.hpp"
#include "core/text_rules.hpp"
#include "formats/ss_link.hpp"
#include "vpn/shadowsocks/ss_manager_client.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

using Clock = std::chrono::steady_clock;

// SsManagerClient's default: how long a list or ping reply may pause between its datagrams.
constexpr std::chrono::milliseconds kIdleGap{50};

constexpr std::array<const char*, 5> kAeadMethods = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm",
                                                     "chacha20-ietf-poly1305",
                                                     "xchacha20-ietf-poly1305"};

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("shadowsocks setting \"" + name + "\" " + why);
}

Result<int> ParsePortSetting(const ServerSettings& settings, const std::string& name) {
  auto it = settings.find(name);
  if (it == settings.end() || it->second.empty()) return BadSetting(name, "is required");
  const std::string& text = it->second;
  const auto port = ParsePort(text);
  if (!port) return BadSetting(name, "must be a port number 1..65535, not \"" + text + "\"");
  return *port;
}

Result<int> PortOf(const ShadowsocksSettings& s, const Key& key) {
  if (key.slot < 0 || key.slot > s.port_to - s.port_from) {
    return InvalidArgument("key slot " + std::to_string(key.slot) + " is outside port range " +
                           std::to_string(s.port_from) + ".." + std::to_string(s.port_to));
  }
  return s.port_from + key.slot;
}

const ManagedPort* FindPort(const std::vector<ManagedPort>& ports, int port) {
  auto it = std::find_if(ports.begin(), ports.end(),
                         [port](const ManagedPort& p) { return p.port == port; });
  return it == ports.end() ? nullptr : &*it;
}

}  // namespace

bool IsSupportedMethod(const std::string& method) {
  return std::find(kAeadMethods.begin(), kAeadMethods.end(), method) != kAeadMethods.end();
}

Result<ShadowsocksSettings> ParseSettings(const ServerSettings& settings) {
  ShadowsocksSettings out;
  auto manager = settings.find("manager");
  if (manager == settings.end() || manager->second.empty()) {
    return BadSetting("manager", "is required (host:port of ss-manager)");
  }
  auto hp = ParseHostPort(manager->second);
  if (!hp.ok()) return BadSetting("manager", "is wrong: " + hp.status().message());
  Status host = CheckHost("host", hp->host);
  if (!host.ok()) return BadSetting("manager", "is wrong: its " + host.message());
  out.manager = manager->second;

  auto method = settings.find("method");
  if (method != settings.end() && !method->second.empty()) out.method = method->second;
  if (!IsSupportedMethod(out.method)) {
    std::string known;
    for (const char* m : kAeadMethods) known += (known.empty() ? "" : ", ") + std::string(m);
    return BadSetting(
        "method",
        Quoted(out.method) + " is not an AEAD cipher shadowsocks-libev supports (" + known + ")");
  }

  VPNHUB_ASSIGN_OR_RETURN(auto from, ParsePortSetting(settings, "port_from"));
  VPNHUB_ASSIGN_OR_RETURN(auto to, ParsePortSetting(settings, "port_to"));
  if (to < from) {
    return BadSetting("port_to", "(" + std::to_string(to) + ") is below port_from (" +
                                     std::to_string(from) + ")");
  }
  out.port_from = from;
  out.port_to = to;
  return out;
}

ShadowsocksBackend::ShadowsocksBackend(std::chrono::milliseconds call_deadline,
                                       HostResolverOptions resolver)
    : call_deadline_(call_deadline), resolver_(std::make_unique<HostResolver>(resolver)) {}

Status ShadowsocksBackend::ValidateSettings(const Server& server) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const int range = s.port_to - s.port_from + 1;
  if (server.capacity < 0) return InvalidArgument("capacity must not be negative");
  if (server.capacity > range) {
    return InvalidArgument("capacity " + std::to_string(server.capacity) +
                           " is larger than the port range port_from..port_to (" +
                           std::to_string(range) + " ports)");
  }
  return Status::Ok();
}

Result<std::optional<ports::KeyPortRange>> ShadowsocksBackend::KeyPorts(
    const Server& server) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  auto hp = ParseHostPort(s.manager);
  if (!hp.ok()) return BadSetting("manager", "is wrong: " + hp.status().message());
  return std::optional<ports::KeyPortRange>(
      ports::KeyPortRange{hp->host, hp->port, s.port_from, s.port_to});
}

Status ShadowsocksBackend::CreateKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto port, PortOf(s, key));
  VPNHUB_RETURN_IF_ERROR(CheckPassword(key.secret));

  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client.List());
  if (const ManagedPort* live = FindPort(listed, port)) {
    // The port runs with another password: it is another key's (a server sharing this manager,
    // a key left by hand), and replacing it would cut that key off while both look active.
    if (live->password != key.secret) {
      return AlreadyExists("port " + std::to_string(port) + " on ss-manager " + s.manager +
                           " already runs another key (a different password); it is left "
                           "alone and key " +
                           std::to_string(key.id) + " is not created there");
    }
    if (live->method.empty() || live->method == s.method) return Status::Ok();
    // Our own key with an old cipher: restarting it with the server's method is ours to do.
    VPNHUB_RETURN_IF_ERROR(client.Remove(port));
  }

  // Remove only signals the old ss-server; until it exits its port stays bound and ss-manager
  // answers "port is not available" (leaving the port unlisted), so a short retry usually wins.
  const auto give_up_at = Clock::now() + call_deadline_;
  auto backoff = std::chrono::milliseconds(10);
  while (true) {
    Status st = client.Add(port, key.secret, s.method);
    if (!IsPortNotAvailable(st) || Clock::now() + backoff > give_up_at) return st;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
  }
}

Status ShadowsocksBackend::DeleteKey(const Server& server, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto port, PortOf(s, key));
  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client.List());
  // Only positive evidence of another password spares the port: a list that lost a datagram
  // must not leave a revoked key running.
  if (const ManagedPort* live = FindPort(listed, port)) {
    if (live->password != key.secret) return Status::Ok();
  }
  return client.Remove(port);
}

Result<std::vector<ports::RemoteKey>> ShadowsocksBackend::ListKeys(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client.List());
  std::vector<ports::RemoteKey> out;
  for (const auto& p : listed) {
    if (p.port < s.port_from || p.port > s.port_to) continue;
    out.push_back({std::to_string(p.port), p.password});
  }
  return out;
}

namespace {

// The port a listed remote id names when it is inside the server's range; nullopt otherwise.
std::optional<int> RangePort(const ShadowsocksSettings& s, const std::string& remote_id) {
  const auto port = ParsePort(remote_id);
  if (!port || *port < s.port_from || *port > s.port_to) return std::nullopt;
  return *port;
}

}  // namespace

std::optional<std::string> ShadowsocksBackend::RemoteIdOf(const Server& server,
                                                          const Key& key) const {
  auto s = ParseSettings(server.settings);
  if (!s.ok()) return std::nullopt;
  auto port = PortOf(*s, key);
  if (!port.ok()) return std::nullopt;
  return std::to_string(*port);
}

bool ShadowsocksBackend::IsOurRemoteKey(const Server& server,
                                        const ports::RemoteKey& remote) const {
  auto s = ParseSettings(server.settings);
  return s.ok() && RangePort(*s, remote.remote_id).has_value();
}

bool ShadowsocksBackend::SameCredential(const Key& key, const ports::RemoteKey& remote) const {
  return key.secret == remote.secret;
}

Status ShadowsocksBackend::DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  const auto port = RangePort(s, remote.remote_id);
  if (!port) {
    return InvalidArgument("port " + remote.remote_id + " is outside port range " +
                           std::to_string(s.port_from) + ".." + std::to_string(s.port_to));
  }
  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  VPNHUB_ASSIGN_OR_RETURN(auto listed, client.List());
  const ManagedPort* live = FindPort(listed, *port);
  // Only the credential that was listed is removed: a key created on the port since stays.
  if (live == nullptr || live->password != remote.secret) return Status::Ok();
  return client.Remove(*port);
}

Status ShadowsocksBackend::Ping(const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  auto stats = client.Ping();
  return stats.ok() ? Status::Ok() : stats.status();
}

Result<std::optional<std::vector<ports::KeyTraffic>>> ShadowsocksBackend::Traffic(
    const Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  SsManagerClient client(s.manager, call_deadline_, kIdleGap, resolver_.get());
  VPNHUB_ASSIGN_OR_RETURN(auto stats, client.Ping());
  std::vector<ports::KeyTraffic> out;
  for (const auto& [port, bytes] : stats) {
    if (port < s.port_from || port > s.port_to || bytes < 0) continue;
    out.push_back({std::to_string(port), static_cast<std::uint64_t>(bytes)});
  }
  return std::optional<std::vector<ports::KeyTraffic>>(std::move(out));
}

std::string ShadowsocksBackend::NewSecret(ports::SecretSource& secrets) const {
  return secrets.Token(kSecretLength);
}

Result<ports::KeyDelivery> ShadowsocksBackend::Delivery(const Server& server, const Key& key,
                                                        const std::string& name) const {
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(server.settings));
  VPNHUB_ASSIGN_OR_RETURN(auto port, PortOf(s, key));
  if (server.public_host.empty()) {
    return InvalidArgument("server \"" + server.name + "\" has no public_host");
  }
  ports::KeyDelivery out;
  out.link = formats::ShadowsocksLink(s.method, key.secret, server.public_host, port, name);
  out.qr_text = out.link;
  return out;
}

}  // namespace vpnhub::vpn::shadowsocks
