#pragma once
// Reading a WireGuard / AmneziaWG client .conf back into fields, for the subscription formats
// that describe a WireGuard peer as data (Mihomo's wireguard proxy, sing-box's wireguard
// endpoint). Pure functions, no I/O; safe from any thread.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::formats {

struct WgConfFields {
  std::string private_key;
  std::vector<std::string> addresses;  // as written, "10.8.0.2/24" or "fd00::2/128"
  std::vector<std::string> dns;
  int mtu = 0;                                               // 0: not set
  std::vector<std::pair<std::string, std::string>> amnezia;  // Jc, Jmin, ... as written, in order
  std::string public_key;                                    // of the first [Peer]
  std::string preshared_key;
  std::string endpoint_host;  // without the brackets of an IPv6 address
  int endpoint_port = 0;
  std::vector<std::string> allowed_ips;
  int persistent_keepalive = 0;
};

// The fields of `conf` (wg-quick's "Key = Value" lines; keys case-insensitive, except the
// AmneziaWG ones, read as awg reads them; '#' comments skipped; comma lists split and trimmed).
// Only the first [Peer] is read. kInvalidArgument when there is no PrivateKey, no Address, no
// [Peer] with a PublicKey, or no Endpoint "host:port".
Result<WgConfFields> ParseWgConf(std::string_view conf);

}  // namespace vpnhub::formats
