#include "vpn/wireguard/node_client.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "core/host_rules.hpp"
#include "core/text_rules.hpp"
#include "vpn/common/pinned_https.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

using nlohmann::json;

// The node's {"error": "..."} text, quoted and cut short; empty when there is none.
std::string NodeError(const std::string& body) {
  auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto it = j.find("error");
  if (it == j.end() || !it->is_string()) return "";
  return ": " + Quoted(it->get<std::string>(), 120);
}

Status StatusOfReply(long status, const std::string& body, const std::string& where) {
  const std::string said = where + " answered HTTP " + std::to_string(status) + NodeError(body);
  if (status == 401 || status == 403) {
    return Status(StatusCode::kPermissionDenied,
                  said +
                      " (the node refuses the hub's token: give the one `vpnhub node init` "
                      "printed)");
  }
  if (status == 400 || status == 413) return InvalidArgument(said);
  if (status == 409) return AlreadyExists(said);
  if (status >= 500 && status <= 599) return Unavailable(said);
  return Internal(said);
}

template <typename T>
bool Read(const json& j, const char* name, T& out) {
  auto it = j.find(name);
  if (it == j.end()) return false;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

}  // namespace

Result<std::string> ParseNodeUrl(const std::string& text) {
  const std::string what = "node address " + Quoted(text);
  constexpr std::string_view kScheme = "https://";
  if (!std::string_view(text).starts_with(kScheme)) {
    return InvalidArgument(what + " must start with https:// (as `vpnhub node init` prints it)");
  }
  std::string rest = text.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@") != std::string::npos) {
    return InvalidArgument(what + " must be https://HOST:PORT, without a path, query or user");
  }
  std::string host;
  std::string port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string::npos) return InvalidArgument(what + " has an unclosed '['");
    host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgument(what + " has junk after its IPv6 host");
      port_text = after.substr(1);
    }
    if (!ParseIpv6(host)) return InvalidArgument(what + " has no IPv6 address in brackets");
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
    Status st = CheckHost("its host", host);
    if (!st.ok()) return InvalidArgument(what + ": " + st.message());
  }
  int port = 443;
  if (!port_text.empty() || rest.find(':') != std::string::npos) {
    auto p = ParsePort(port_text);
    if (!p) return InvalidArgument(what + " has no port 1..65535");
    port = *p;
  }
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(kScheme) + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<NodeServer> ParseServerReply(const std::string& body) {
  auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Internal("the node's /v1/server answer is not a JSON object");
  NodeServer s;
  if (!Read(j, "public_key", s.public_key) || !Read(j, "listen_port", s.listen_port) ||
      !Read(j, "endpoint", s.endpoint) || !Read(j, "tunnel", s.tunnel)) {
    return Internal(
        "the node's /v1/server answer lacks public_key, listen_port, endpoint or tunnel");
  }
  (void)Read(j, "interface", s.interface_name);
  (void)Read(j, "peers", s.peers);
  return s;
}

Result<std::vector<NodePeer>> ParsePeersReply(const std::string& body) {
  auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("peers") || !j["peers"].is_array()) {
    return Internal("the node's /v1/peers answer has no \"peers\" array");
  }
  std::vector<NodePeer> out;
  for (const auto& item : j["peers"]) {
    if (!item.is_object())
      return Internal("the node's /v1/peers answer has a peer that is no object");
    NodePeer p;
    if (!Read(item, "public_key", p.public_key)) {
      return Internal("the node's /v1/peers answer has a peer without public_key");
    }
    (void)Read(item, "address", p.address);
    (void)Read(item, "rx_bytes", p.rx_bytes);
    (void)Read(item, "tx_bytes", p.tx_bytes);
    out.push_back(std::move(p));
  }
  return out;
}

NodeClient::NodeClient(std::string node, std::string cert_sha256, std::string token,
                       std::chrono::milliseconds deadline)
    : node_(std::move(node)),
      cert_sha256_(std::move(cert_sha256)),
      token_(std::move(token)),
      deadline_(deadline) {}

Result<NodeClient::Reply> NodeClient::Call(const std::string& method, const std::string& path,
                                           const std::string& body, const std::string& what) const {
  PinnedRequest request;
  request.method = method;
  request.url = node_ + path;
  request.headers = {{"Authorization", "Bearer " + token_}};
  request.body = body;
  const std::string where = "node " + node_ + " (" + what + ")";
  auto response = PinnedSend(cert_sha256_, request, deadline_);
  if (!response.ok()) {
    return Status(response.status().code(), where + ": " + response.status().message());
  }
  if (response->status < 200 || response->status > 299) {
    return StatusOfReply(response->status, response->body, where);
  }
  return Reply{response->status, std::move(response->body)};
}

Result<NodeServer> NodeClient::Server() const {
  VPNHUB_ASSIGN_OR_RETURN(auto reply, Call("GET", "/v1/server", "", "GET /v1/server"));
  auto parsed = ParseServerReply(reply.body);
  if (!parsed.ok()) return Internal("node " + node_ + ": " + parsed.status().message());
  return parsed;
}

Result<std::vector<NodePeer>> NodeClient::Peers() const {
  VPNHUB_ASSIGN_OR_RETURN(auto reply, Call("GET", "/v1/peers", "", "GET /v1/peers"));
  auto parsed = ParsePeersReply(reply.body);
  if (!parsed.ok()) return Internal("node " + node_ + ": " + parsed.status().message());
  return parsed;
}

Result<bool> NodeClient::PutPeer(const std::string& public_key_hex,
                                 const std::string& preshared_key,
                                 const std::string& address) const {
  const json body = {{"preshared_key", preshared_key}, {"address", address}};
  VPNHUB_ASSIGN_OR_RETURN(
      auto reply, Call("PUT", "/v1/peers/" + public_key_hex, body.dump(), "PUT peer " + address));
  return reply.status == 201;
}

Status NodeClient::DeletePeer(const std::string& public_key_hex) const {
  auto reply = Call("DELETE", "/v1/peers/" + public_key_hex, "", "DELETE peer");
  return reply.ok() ? Status::Ok() : reply.status();
}

}  // namespace vpnhub::vpn::wireguard
