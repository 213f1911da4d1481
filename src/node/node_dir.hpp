#pragma once
// The node's directory: `vpnhub node init` fills it, `vpnhub node run` reads it.
//   node.json  the config (no secrets), 0644
//   cert.pem   the self-signed certificate the hub pins, 0644
//   key.pem    its private key, 0600
//   token      the bearer token (64 hex characters and a newline), 0600
#include <string>

#include "core/status.hpp"
#include "node/node_config.hpp"

namespace vpnhub::node {

struct InitResult {
  std::string node_url;     // https://ADDR:PORT for the hub
  std::string cert_sha256;  // 64 lowercase hex
  std::string token;
  // The one line to paste on the hub.
  std::string HubLine() const;
};

// Validates `config`, creates `dir` (0700) when missing and writes the four files. Refuses a
// directory that already holds node.json unless `force` (kFailedPrecondition): a new certificate
// and token would lock the hub out. kInvalidArgument for a bad config, kUnavailable when a file
// cannot be written.
Result<InitResult> InitNodeDir(const std::string& dir, const NodeConfig& config, bool force);

struct NodeFiles {
  NodeConfig config;
  std::string cert_file;  // paths, for the HTTP server's TLS options
  std::string key_file;
  std::string token;
  std::string cert_sha256;
};

// Reads and checks the directory: kNotFound when it was not initialised, kInvalidArgument for
// a file that is wrong, kUnavailable when one cannot be read.
Result<NodeFiles> LoadNodeDir(const std::string& dir);

// The URL the hub reaches the node at: the listen address, or the endpoint's host when the node
// listens on every address (0.0.0.0, ::).
std::string NodeUrl(const NodeConfig& config);

}  // namespace vpnhub::node
