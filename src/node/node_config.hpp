#pragma once
// What `vpnhub node init` writes into the node's directory and `vpnhub node run` reads back:
// node.json (no secrets), cert.pem, key.pem (0600) and token (0600).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::node {

// An IPv4 network with the host's own address in it: "10.8.0.1/24".
struct Ipv4Cidr {
  std::uint32_t address = 0;  // host order, as written (the interface's own address)
  int prefix = 0;             // 0..32
  bool Contains(std::uint32_t a) const {
    if (prefix == 0) return true;
    std::uint32_t mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
    return (a & mask) == (address & mask);
  }
};

// "a.b.c.d" in host order; false for anything else (no leading zeros, no spaces).
bool ParseIpv4(std::string_view text, std::uint32_t& out);
std::string FormatIpv4(std::uint32_t a);
// "a.b.c.d/n"; kInvalidArgument otherwise.
Result<Ipv4Cidr> ParseIpv4Cidr(std::string_view text);

struct HostPort {
  std::string host;  // a name or an address (IPv6 without brackets)
  std::uint16_t port = 0;
};
// "host:port" or "[v6]:port" with port 1..65535; kInvalidArgument otherwise.
Result<HostPort> ParseHostPort(std::string_view text);

struct NodeConfig {
  std::string interface_name;  // "wg0"
  std::string endpoint;        // HOST:PORT the clients connect to, as given to init
  std::string tunnel;          // CIDR with the interface's own address, "10.8.0.1/24"
  std::string listen;          // ADDR:PORT of the API
  std::string uapi_socket;     // empty: /var/run/wireguard/<interface>.sock
};

inline constexpr char kDefaultNodeDir[] = "/var/lib/vpnhub-node";
inline constexpr char kDefaultListen[] = "0.0.0.0:8443";
inline constexpr char kConfigFile[] = "node.json";
inline constexpr char kCertFile[] = "cert.pem";
inline constexpr char kKeyFile[] = "key.pem";
inline constexpr char kTokenFile[] = "token";

// Checks every field (interface name, endpoint, tunnel, listen); kInvalidArgument naming the
// first bad one.
Status ValidateConfig(const NodeConfig& config);
std::string ConfigToJson(const NodeConfig& config);
// kInvalidArgument for a document that is not a valid config.
Result<NodeConfig> ConfigFromJson(std::string_view json);

// Reads a whole file; kNotFound when it does not exist, kUnavailable when it cannot be read.
Result<std::string> ReadFile(const std::string& path);
// Writes `data` to `path` through a temporary file and rename, with `mode` permissions.
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode);

}  // namespace vpnhub::node
