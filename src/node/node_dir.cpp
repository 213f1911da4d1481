#include "node/node_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "node/identity.hpp"

namespace vpnhub::node {
namespace {

std::string Join(const std::string& dir, const char* file) {
  return (std::filesystem::path(dir) / file).string();
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool ValidToken(const std::string& t) {
  if (t.size() != 64) return false;
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string InitResult::HubLine() const {
  return "vpnhub server add --kind wireguard --node " + node_url + " --cert-sha256 " + cert_sha256 +
         " --token " + token;
}

std::string NodeUrl(const NodeConfig& config) {
  auto listen = ParseHostPort(config.listen);
  auto endpoint = ParseHostPort(config.endpoint);
  if (!listen.ok()) return "";
  std::string host = listen->host;
  if ((host == "0.0.0.0" || host == "::") && endpoint.ok()) host = endpoint->host;
  return "https://" + UrlHost(host) + ":" + std::to_string(listen->port);
}

Result<InitResult> InitNodeDir(const std::string& dir, const NodeConfig& config, bool force) {
  VPNHUB_RETURN_IF_ERROR(ValidateConfig(config));
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Unavailable("cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  } else if (!std::filesystem::is_directory(dir, ec)) {
    return InvalidArgument(dir + " is not a directory");
  }
  if (std::filesystem::exists(Join(dir, kConfigFile), ec) && !force) {
    return FailedPrecondition(dir + " already holds a node (" + kConfigFile +
                              "); a new certificate and token would lock the hub out. Use --force "
                              "to replace them");
  }
  auto endpoint = ParseHostPort(config.endpoint);
  auto identity = MakeIdentity(endpoint.ok() ? endpoint->host : "vpnhub-node");
  if (!identity.ok()) return identity.status();
  const std::string token = MakeToken();
  // The secrets first, node.json last: a directory with node.json is a complete one.
  VPNHUB_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kKeyFile), identity->key_pem, 0600));
  VPNHUB_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kTokenFile), token + "\n", 0600));
  VPNHUB_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kCertFile), identity->cert_pem, 0644));
  VPNHUB_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, kConfigFile), ConfigToJson(config), 0644));
  return InitResult{NodeUrl(config), identity->cert_sha256, token};
}

Result<NodeFiles> LoadNodeDir(const std::string& dir) {
  NodeFiles out;
  auto json = ReadFile(Join(dir, kConfigFile));
  if (!json.ok()) {
    if (json.status().code() == StatusCode::kNotFound) {
      return NotFound(dir + " holds no node: run `vpnhub node init` first");
    }
    return json.status();
  }
  auto config = ConfigFromJson(*json);
  if (!config.ok())
    return InvalidArgument(Join(dir, kConfigFile) + ": " + config.status().message());
  out.config = *config;
  auto token = ReadFile(Join(dir, kTokenFile));
  if (!token.ok()) return token.status();
  out.token = *token;
  while (!out.token.empty() && (out.token.back() == '\n' || out.token.back() == '\r')) {
    out.token.pop_back();
  }
  if (!ValidToken(out.token))
    return InvalidArgument(Join(dir, kTokenFile) + " is not 64 hex characters");
  out.cert_file = Join(dir, kCertFile);
  out.key_file = Join(dir, kKeyFile);
  auto cert = ReadFile(out.cert_file);
  if (!cert.ok()) return cert.status();
  auto sha = CertificateSha256(*cert);
  if (!sha.ok()) return InvalidArgument(out.cert_file + ": " + sha.status().message());
  out.cert_sha256 = *sha;
  return out;
}

}  // namespace vpnhub::node
