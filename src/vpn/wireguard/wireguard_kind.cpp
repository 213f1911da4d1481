#include "vpn/wireguard/wireguard_kind.hpp"

#include <memory>
#include <string>

#include "vpn/common/pinned_https.hpp"
#include "vpn/wireguard/node_client.hpp"
#include "vpn/wireguard/wireguard_backend.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

Status SetNode(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto url, ParseNodeUrl(value));
  settings["node"] = url;
  return Status::Ok();
}

Status SetCertSha256(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto pin, ParseCertSha256(value));
  settings["cert_sha256"] = pin;
  return Status::Ok();
}

Status SetToken(const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("the token is empty");
  for (char c : value) {
    if (c <= ' ' || c > '~') {
      return InvalidArgument("the token has a character that is not printable ASCII or a blank");
    }
  }
  settings["token"] = value;
  return Status::Ok();
}

}  // namespace

KindSpec WireguardKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "a WireGuard host run by `vpnhub node`";
  SettingFlag node;
  node.name = "--node";
  node.help = "The node's API address, as `vpnhub node init` prints it";
  node.required = true;
  node.value_hint = "https://HOST:PORT";
  node.apply = SetNode;
  SettingFlag cert;
  cert.name = "--cert-sha256";
  cert.help = "SHA-256 of the node's certificate (64 hex digits, ':' allowed)";
  cert.required = true;
  cert.value_hint = "HEX";
  cert.edit_help = "SHA-256 of the node's certificate, after `vpnhub node init` made a new one";
  cert.apply = SetCertSha256;
  SettingFlag token;
  token.name = "--token";
  token.help = "The node's token, as `vpnhub node init` prints it";
  token.required = true;
  token.value_hint = "TOKEN";
  token.edit_help = "The node's token, after `vpnhub node init` made a new one";
  token.apply = SetToken;
  spec.flags = {node, cert, token};
  spec.listed_setting = "node";
  spec.secret_settings = {"token"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<WireguardBackend>(options.call_deadline, options.wireguard_dns);
  };
  spec.prepare_server = [](const BackendOptions& options, Server& server) {
    return PrepareServer(options.call_deadline, server);
  };
  return spec;
}

}  // namespace vpnhub::vpn::wireguard
