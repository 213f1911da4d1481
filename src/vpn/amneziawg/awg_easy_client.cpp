#include "vpn/amneziawg/awg_easy_client.hpp"

#include <memory>
#include <nlohmann/json.hpp>

namespace vpnhub::vpn::amneziawg {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDetail = 200;

// What the server said about a refusal: h3's {"message": ...} or the auth middleware's
// {"error": ...}, else the start of the body.
std::string Detail(const std::string& body) {
  std::string out;
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    for (const char* field : {"message", "error", "statusMessage"}) {
      auto it = parsed.find(field);
      if (it != parsed.end() && it->is_string()) {
        out = it->get<std::string>();
        break;
      }
    }
  }
  if (out.empty()) out = body;
  if (out.size() > kMaxDetail) out = out.substr(0, kMaxDetail) + "...";
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// The reading of a non-2xx answer; `what` opens the message.
Status ReplyError(const std::string& what, const HttpReply& r) {
  std::string message = what + ": HTTP " + std::to_string(r.status);
  const std::string detail = Detail(r.body);
  if (!detail.empty()) message += " (" + detail + ")";
  if (r.status >= 500 || r.status == 408 || r.status == 429) return Unavailable(message);
  if (r.status == 404) return NotFound(message);
  return FailedPrecondition(message);
}

// A client id as the server makes them (a UUID): only these characters go into a path.
Status CheckId(const std::string& base_url, const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                c == '-' || c == '_');
  }
  if (ok) return Status::Ok();
  return Internal("amnezia-wg-easy at " + base_url + ": a client id that is not a UUID: \"" +
                  id.substr(0, 64) + "\"");
}

bool Is2xx(const HttpReply& r) { return r.status >= 200 && r.status < 300; }

// "connect.sid=s%3A...; Path=/; HttpOnly" -> "connect.sid=s%3A...".
std::string CookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

std::optional<std::uint64_t> Counter(const json& client, const char* field) {
  auto it = client.find(field);
  if (it == client.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    if (v < 0) return std::nullopt;
    return static_cast<std::uint64_t>(v);
  }
  const double d = it->get<double>();
  if (!(d >= 0)) return std::nullopt;
  return static_cast<std::uint64_t>(d);
}

}  // namespace

AwgEasyClient::AwgEasyClient(std::string base_url, std::string password,
                             std::chrono::milliseconds deadline)
    : base_url_(std::move(base_url)), password_(std::move(password)), deadline_(deadline) {}

int AwgEasyClient::logins() const { return session_.logins(); }

Result<HttpReply> AwgEasyClient::Send(const std::string& method, const std::string& path,
                                      const std::string& body, const std::string& cookie) {
  std::vector<std::string> headers = {"Accept: application/json", "Expect:"};
  if (!body.empty()) headers.push_back("Content-Type: application/json");
  if (!cookie.empty()) headers.push_back("Cookie: " + cookie);
  return HttpCall(method, base_url_ + path, headers, body, deadline_);
}

Status AwgEasyClient::Login() { return session_.Renew(session_.Current(), LoginFn()); }

Result<std::string> AwgEasyClient::NewCookie() {
  const std::string what = "amnezia-wg-easy at " + base_url_ + ": login";
  const json request = {{"password", password_}, {"remember", true}};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send("POST", "/api/session", request.dump(), ""));
  if (r.status == 401) {
    return FailedPrecondition(what + " refused the password (HTTP 401: " + Detail(r.body) + ")");
  }
  if (!Is2xx(r)) return ReplyError(what, r);
  std::string cookie;
  for (const std::string& set : r.set_cookies) {
    const std::string pair = CookiePair(set);
    if (pair.empty()) continue;
    cookie += (cookie.empty() ? "" : "; ") + pair;
  }
  if (cookie.empty()) {
    return Internal(what + " answered no session cookie (is this amnezia-wg-easy?)");
  }
  return cookie;
}

Result<HttpReply> AwgEasyClient::Authed(const std::string& method, const std::string& path,
                                        const std::string& body) {
  // A 401 means the session is gone (restart, expiry): one new login, then the call once more.
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      session_.Call([&](const std::string& cookie) { return Send(method, path, body, cookie); },
                    [](const HttpReply& reply) { return reply.status == 401; }, LoginFn()));
  if (r.status == 401) {
    return FailedPrecondition(
        "amnezia-wg-easy at " + base_url_ + ": " + method + " " + path +
        " refused the session right after a new login (HTTP 401: " + Detail(r.body) + ")");
  }
  return r;
}

Status AwgEasyClient::CheckSession() {
  const std::string what = "amnezia-wg-easy at " + base_url_ + ": GET /api/session";
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::string cookie = session_.Current();
    if (cookie.empty()) {
      VPNHUB_RETURN_IF_ERROR(session_.Renew(cookie, LoginFn()));
      continue;
    }
    VPNHUB_ASSIGN_OR_RETURN(auto r, Send("GET", "/api/session", "", cookie));
    if (!Is2xx(r)) return ReplyError(what, r);
    auto parsed = json::parse(r.body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("authenticated")) {
      return Internal(what + ": the answer is not amnezia-wg-easy's session object");
    }
    if (parsed["authenticated"] == true) return Status::Ok();
    VPNHUB_RETURN_IF_ERROR(session_.Renew(cookie, LoginFn()));
  }
  return FailedPrecondition(what + ": the session is not authenticated right after a new login");
}

Result<std::vector<AwgClient>> AwgEasyClient::ListClients() {
  const std::string what = "amnezia-wg-easy at " + base_url_ + ": GET /api/wireguard/client";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", "/api/wireguard/client", ""));
  if (!Is2xx(r)) return ReplyError(what, r);
  auto parsed = json::parse(r.body, nullptr, false);
  if (!parsed.is_array()) return Internal(what + ": the answer is not a JSON array");
  std::vector<AwgClient> out;
  for (const json& c : parsed) {
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string() || !c.contains("name") ||
        !c["name"].is_string()) {
      return Internal(what + ": a client without a string id and name");
    }
    AwgClient client;
    client.id = c["id"].get<std::string>();
    client.name = c["name"].get<std::string>();
    if (c.contains("enabled") && c["enabled"].is_boolean())
      client.enabled = c["enabled"].get<bool>();
    if (c.contains("address") && c["address"].is_string()) {
      client.address = c["address"].get<std::string>();
    }
    client.transfer_rx = Counter(c, "transferRx");
    client.transfer_tx = Counter(c, "transferTx");
    out.push_back(std::move(client));
  }
  return out;
}

Status AwgEasyClient::CreateClient(const std::string& name) {
  const std::string what = "amnezia-wg-easy at " + base_url_ + ": POST /api/wireguard/client";
  const json request = {{"name", name}, {"expiredDate", ""}};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("POST", "/api/wireguard/client", request.dump()));
  if (!Is2xx(r)) return ReplyError(what, r);
  return Status::Ok();
}

Status AwgEasyClient::DeleteClient(const std::string& id) {
  VPNHUB_RETURN_IF_ERROR(CheckId(base_url_, id));
  const std::string path = "/api/wireguard/client/" + id;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("DELETE", path, ""));
  if (!Is2xx(r)) return ReplyError("amnezia-wg-easy at " + base_url_ + ": DELETE " + path, r);
  return Status::Ok();
}

Result<std::string> AwgEasyClient::Configuration(const std::string& id) {
  VPNHUB_RETURN_IF_ERROR(CheckId(base_url_, id));
  const std::string path = "/api/wireguard/client/" + id + "/configuration";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", path, ""));
  if (!Is2xx(r)) return ReplyError("amnezia-wg-easy at " + base_url_ + ": GET " + path, r);
  return std::move(r.body);
}

}  // namespace vpnhub::vpn::amneziawg
