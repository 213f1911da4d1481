#include "node/node_api.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <utility>

namespace vpnhub::node {
namespace {

using http::Response;
using json = nlohmann::json;

constexpr std::string_view kPeersPrefix = "/v1/peers/";
constexpr std::size_t kMaxBatch = 64;

Response Json(int status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

Response Error(int status, const std::string& message) {
  return Json(status, json{{"error", message}});
}

// The one mapping of a UAPI failure to HTTP.
Response UapiError(const Status& st) {
  if (st.code() == StatusCode::kInvalidArgument) return Error(400, st.message());
  return Error(503, st.message());
}

// "a.b.c.d/32" → the address; nullopt for anything else.
std::optional<std::uint32_t> HostAddress(std::string_view text) {
  auto cidr = ParseIpv4Cidr(text);
  if (!cidr.ok() || cidr->prefix != 32) return std::nullopt;
  return cidr->address;
}

}  // namespace

Result<std::unique_ptr<NodeApi>> NodeApi::Create(NodeApiOptions options) {
  auto tunnel = ParseIpv4Cidr(options.tunnel);
  if (!tunnel.ok()) return InvalidArgument("tunnel: " + tunnel.status().message());
  if (options.token.size() < 16) return InvalidArgument("the token is shorter than 16 characters");
  if (options.uapi_socket.empty()) options.uapi_socket = DefaultUapiSocket(options.interface_name);
  if (sodium_init() < 0) return Internal("libsodium does not initialise");
  return std::unique_ptr<NodeApi>(new NodeApi(std::move(options), *tunnel));
}

NodeApi::NodeApi(NodeApiOptions options, Ipv4Cidr tunnel)
    : options_(std::move(options)),
      tunnel_(tunnel),
      uapi_(options_.uapi_socket, options_.uapi_timeout),
      worker_([this] { Run(); }) {}

NodeApi::~NodeApi() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<WgInterface>& NodeApi::Snapshot::Get() {
  if (!interface_) {
    interface_.emplace(uapi_.Get());
    read_at_ = std::chrono::steady_clock::now();
  }
  return *interface_;
}

void NodeApi::Snapshot::BeginBatch() {
  if (!interface_) return;
  if (!interface_->ok() || std::chrono::steady_clock::now() - read_at_ >= max_age_) {
    interface_.reset();
  }
}

void NodeApi::Run() {
  Snapshot snapshot(uapi_, options_.snapshot_max_age);
  for (;;) {
    std::deque<std::function<void(Snapshot&)>> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      // Bounded, so a batch's copy of the interface is never long out of date.
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    snapshot.BeginBatch();
    for (auto& item : batch) item(snapshot);
  }
}

void NodeApi::Dispatch(http::Responder responder, std::function<Response(Snapshot&)> work) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      queue_.push_back([responder, work = std::move(work)](Snapshot& snapshot) {
        Response r;
        try {
          r = work(snapshot);
        } catch (const std::exception& e) {
          snapshot.Invalidate();
          r = Error(500, std::string("internal error: ") + e.what());
        }
        responder.Send(std::move(r));
      });
      cv_.notify_one();
      return;
    }
  }
  responder.Send(Error(503, "busy: too many requests waiting"));
}

bool NodeApi::Authorized(const http::Request& request) const {
  std::string_view header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() != kBearer.size() + options_.token.size()) return false;
  // The scheme is public; only the token is compared in constant time.
  if (header.substr(0, kBearer.size()) != kBearer) return false;
  return sodium_memcmp(header.data() + kBearer.size(), options_.token.data(),
                       options_.token.size()) == 0;
}

void NodeApi::Mount(http::Router& router) {
  auto guarded = [this](std::function<Response(Snapshot&, const http::Request&)> work) {
    return [this, work = std::move(work)](http::Request request, http::Responder responder) {
      if (!Authorized(request)) return responder.Send(Error(401, "unauthorized"));
      Dispatch(std::move(responder), [work, request = std::move(request)](Snapshot& snapshot) {
        return work(snapshot, request);
      });
    };
  };
  router.AddAsync("GET", "/v1/server",
                  guarded([this](Snapshot& s, const http::Request&) { return Server(s); }));
  router.AddAsync("GET", "/v1/peers",
                  guarded([this](Snapshot& s, const http::Request&) { return Peers(s); }));
  router.AddAsync("PUT", "/v1/peers/*", guarded([this](Snapshot& s, const http::Request& r) {
                    return PutPeer(s, std::string_view(r.path).substr(kPeersPrefix.size()), r.body);
                  }));
  router.AddAsync("DELETE", "/v1/peers/*", guarded([this](Snapshot& s, const http::Request& r) {
                    return DeletePeer(s, std::string_view(r.path).substr(kPeersPrefix.size()));
                  }));
  // Every other path: 401 without the token (nothing is revealed), else a JSON 404.
  auto not_found = [this](const http::Request& request) {
    if (!Authorized(request)) return Error(401, "unauthorized");
    return Error(404, "not found");
  };
  for (const char* method : {"GET", "PUT", "POST", "DELETE", "PATCH"}) {
    router.Add(method, "/*", not_found);
  }
}

Response NodeApi::Server(Snapshot& snapshot) const {
  const auto& wg = snapshot.Get();
  if (!wg.ok()) return Error(503, wg.status().message());
  if (!wg->public_key)
    return Error(503, "interface " + options_.interface_name + " has no private key");
  return Json(200, json{{"interface", options_.interface_name},
                        {"public_key", KeyToBase64(*wg->public_key)},
                        {"listen_port", wg->listen_port},
                        {"endpoint", options_.endpoint},
                        {"tunnel", options_.tunnel},
                        {"peers", wg->peers.size()}});
}

Response NodeApi::Peers(Snapshot& snapshot) const {
  const auto& wg = snapshot.Get();
  if (!wg.ok()) return Error(503, wg.status().message());
  json peers = json::array();
  for (const auto& p : wg->peers) {
    peers.push_back(json{{"public_key", KeyToBase64(p.public_key)},
                         {"address", p.allowed_ips.empty() ? std::string() : p.allowed_ips.front()},
                         {"rx_bytes", p.rx_bytes},
                         {"tx_bytes", p.tx_bytes},
                         {"latest_handshake", p.last_handshake_sec}});
  }
  return Json(200, json{{"peers", std::move(peers)}});
}

Response NodeApi::PutPeer(Snapshot& snapshot, std::string_view id, std::string_view body) const {
  auto key = KeyFromHex(id);
  if (!key) return Error(400, "the peer id is not 64 hex characters");
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error(400, "the body is not a JSON object");
  auto addr_it = doc.find("address");
  if (addr_it == doc.end() || !addr_it->is_string()) return Error(400, "\"address\" is missing");
  const std::string address = addr_it->get<std::string>();
  auto host = HostAddress(address);
  if (!host) return Error(400, "\"address\" is not an IPv4 /32 (10.8.0.5/32)");
  if (!tunnel_.Contains(*host))
    return Error(400, "\"address\" is outside the tunnel " + options_.tunnel);
  if (*host == tunnel_.address) return Error(400, "\"address\" is the interface's own address");
  std::optional<WgKey> psk;
  if (auto it = doc.find("preshared_key"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return Error(400, "\"preshared_key\" is not a string");
    psk = KeyFromBase64(it->get<std::string>());
    if (!psk) return Error(400, "\"preshared_key\" is not a base64 key of 32 bytes");
  }

  auto& wg = snapshot.Get();
  if (!wg.ok()) return Error(503, wg.status().message());
  WgPeer* existing = nullptr;
  for (auto& p : wg->peers) {
    if (p.public_key == *key) {
      existing = &p;
      continue;
    }
    for (const auto& ip : p.allowed_ips) {
      // WireGuard gives an address to one peer only: setting it here would take it from that one.
      if (HostAddress(ip) == host) return Error(409, "address held by another peer");
    }
  }
  const std::string canonical = FormatIpv4(*host) + "/32";
  if (existing && existing->preshared_key == psk && existing->allowed_ips.size() == 1 &&
      HostAddress(existing->allowed_ips.front()) == host) {
    return Json(200, json{{"created", false}});
  }
  Status st = uapi_.SetPeer(PeerConfig{*key, psk, {canonical}});
  if (!st.ok()) {
    snapshot.Invalidate();  // a refused set may have applied part of its lines
    return UapiError(st);
  }
  // The batch's copy follows the write (no other peer held the address, so none loses it).
  if (existing) {
    existing->preshared_key = psk;
    existing->allowed_ips = {canonical};
    return Json(200, json{{"created", false}});
  }
  WgPeer added;
  added.public_key = *key;
  added.preshared_key = psk;
  added.allowed_ips = {canonical};
  wg->peers.push_back(std::move(added));
  return Json(201, json{{"created", true}});
}

Response NodeApi::DeletePeer(Snapshot& snapshot, std::string_view id) const {
  auto key = KeyFromHex(id);
  if (!key) return Error(400, "the peer id is not 64 hex characters");
  Status st = uapi_.RemovePeer(*key);
  if (!st.ok()) {
    snapshot.Invalidate();
    return UapiError(st);
  }
  if (auto* wg = snapshot.Loaded(); wg && wg->ok()) {
    std::erase_if((*wg)->peers, [&](const WgPeer& p) { return p.public_key == *key; });
  }
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace vpnhub::node
