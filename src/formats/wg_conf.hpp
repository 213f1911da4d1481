#pragma once
// A WireGuard client configuration in the wg-quick format (the file the WireGuard apps import and
// scan as a QR code), and the name it is sent under. Pure functions, no I/O; safe from any thread.
#include <string>
#include <string_view>

namespace vpnhub::formats {

struct WgClientConfig {
  std::string private_key;        // the client's, base64
  std::string address;            // the client's tunnel address, "10.8.0.2/32"
  std::string dns;                // "1.1.1.1" or "1.1.1.1, 8.8.8.8"; empty leaves out DNS
  std::string server_public_key;  // base64
  std::string preshared_key;      // base64; empty leaves out PresharedKey
  std::string endpoint;           // "vpn.example.com:51820"
};

// [Interface] PrivateKey, Address, DNS; [Peer] PublicKey, PresharedKey, Endpoint,
// AllowedIPs = 0.0.0.0/0, ::/0 (every route through the tunnel), PersistentKeepalive = 25.
// One "Key = value" per line, '\n' line ends, a blank line between the sections.
std::string WgClientConf(const WgClientConfig& config);


}  // namespace vpnhub::formats
