#pragma once
// A client of wireguard-go's UAPI (https://www.wireguard.com/xplatform/): one unix-socket
// connection per operation to /var/run/wireguard/<interface>.sock, `get=1` / `set=1` with keys in
// hex, answered by `errno=N`. Blocking with a deadline: call it from a worker thread, never from
// an io thread. Thread-safe (no shared state between calls).
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::node {

using WgKey = std::array<std::uint8_t, 32>;

struct WgPeer {
  WgKey public_key{};
  std::optional<WgKey> preshared_key;    // nullopt when the peer has none (all zero on the wire)
  std::vector<std::string> allowed_ips;  // as the interface prints them, e.g. "10.8.0.5/32"
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::int64_t last_handshake_sec = 0;  // unix seconds; 0 = never
};

struct WgInterface {
  std::optional<WgKey> public_key;  // derived from the private key; nullopt when none is set
  std::uint16_t listen_port = 0;
  std::vector<WgPeer> peers;
};

// What SetPeer writes: the peer's preshared key (nullopt = none) and its allowed IPs, replacing
// the ones it had.
struct PeerConfig {
  WgKey public_key{};
  std::optional<WgKey> preshared_key;
  std::vector<std::string> allowed_ips;
};

// The socket of interface `name` under wireguard-go's directory.
std::string DefaultUapiSocket(std::string_view interface_name);

// True for a Linux interface name (1..15 characters of [A-Za-z0-9_.=+-], not "." or "..").
bool ValidInterfaceName(std::string_view name);

class UapiClient {
 public:
  UapiClient(std::string socket_path, std::chrono::milliseconds timeout)
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}

  // The interface and every peer. kUnavailable when the socket is missing or refuses (the
  // interface is down), kDeadlineExceeded past the timeout, kInternal for a reply that is not
  // UAPI or a non-zero errno.
  Result<WgInterface> Get() const;
  // Adds the peer or updates it to exactly `config` (replace_allowed_ips). Idempotent.
  // kInvalidArgument when the interface refuses the values (errno=-22); others as Get.
  Status SetPeer(const PeerConfig& config) const;
  // Removes the peer; success also when it is absent. Errors as Get.
  Status RemovePeer(const WgKey& public_key) const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  // Sends `request` (ending with the blank line) and returns the reply up to its blank line.
  Result<std::string> Exchange(std::string_view request) const;
  Status SetCommand(std::string_view body) const;

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

// Hex (64 lowercase characters) of a key, and back (either case); nullopt for anything else.
std::string KeyToHex(const WgKey& key);
std::optional<WgKey> KeyFromHex(std::string_view hex);
// Standard base64 (44 characters with padding), as `wg` prints keys, and back.
std::string KeyToBase64(const WgKey& key);
std::optional<WgKey> KeyFromBase64(std::string_view b64);

}  // namespace vpnhub::node
