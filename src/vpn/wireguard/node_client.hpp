#pragma once
// The hub's client of a `vpnhub node` (the agent on a WireGuard host): its HTTPS API over the
// pinned client (vpn/common/pinned_https.hpp), with the bearer token, a deadline per call and the
// node's answers read into types and Status codes:
//   GET /v1/server, GET /v1/peers, PUT /v1/peers/{hex}, DELETE /v1/peers/{hex}.
// Errors: unreachable -> kUnavailable, no answer in time -> kDeadlineExceeded, a 5xx answer ->
// kUnavailable (all retryable); a certificate other than the pinned one -> kFailedPrecondition;
// 401/403 -> kPermissionDenied; 400/413 -> kInvalidArgument; 409 -> kAlreadyExists; any other
// answer -> kInternal (all permanent). Messages name the node's address, never the token.
// Thread-safe: it holds no state but its configuration.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::vpn::wireguard {

// "https://HOST:PORT" (an IPv6 host in brackets; the port may be left out for 443; one trailing
// '/' is dropped) -> "https://HOST:PORT". kInvalidArgument for another scheme, a missing host, a
// bad port, a path, a query or user info.
Result<std::string> ParseNodeUrl(const std::string& text);

// What GET /v1/server answers.
struct NodeServer {
  std::string interface_name;
  std::string public_key;  // base64
  int listen_port = 0;
  std::string endpoint;  // "host:port" the clients dial
  std::string tunnel;    // "10.8.0.1/24"
  std::int64_t peers = 0;
};

// One peer of GET /v1/peers.
struct NodePeer {
  std::string public_key;  // base64
  std::string address;     // "10.8.0.5/32"
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
};

// Reply parsers, exposed for tests: kInternal naming what is missing or malformed.
Result<NodeServer> ParseServerReply(const std::string& body);
Result<std::vector<NodePeer>> ParsePeersReply(const std::string& body);

class NodeClient {
 public:
  // `node` as ParseNodeUrl gives it, `cert_sha256` as ParseCertSha256 gives it.
  NodeClient(std::string node, std::string cert_sha256, std::string token,
             std::chrono::milliseconds deadline);

  Result<NodeServer> Server() const;
  Result<std::vector<NodePeer>> Peers() const;
  // PUT /v1/peers/{public_key_hex}: true when the node added the peer (201), false when it was
  // there already (200: unchanged, or updated to `preshared_key` and `address`).
  Result<bool> PutPeer(const std::string& public_key_hex, const std::string& preshared_key,
                       const std::string& address) const;
  // DELETE /v1/peers/{public_key_hex}: Ok also when the peer is absent.
  Status DeletePeer(const std::string& public_key_hex) const;

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  // Sends the request; a transport failure or an answer other than 2xx comes back as the Status
  // above, `what` naming the call ("PUT peer").
  Result<Reply> Call(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& what) const;

  std::string node_;
  std::string cert_sha256_;
  std::string token_;
  std::chrono::milliseconds deadline_;
};

}  // namespace vpnhub::vpn::wireguard
