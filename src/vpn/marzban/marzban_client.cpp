#include "vpn/marzban/marzban_client.hpp"

#include "formats/ss_link.hpp"

namespace vpnhub::vpn::marzban {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDetail = 200;

// FastAPI's {"detail": "..."} or {"detail": [validation errors]}, else the start of the body.
std::string Detail(const std::string& body) {
  std::string out;
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("detail")) {
    const json& d = parsed["detail"];
    if (d.is_string()) {
      out = d.get<std::string>();
    } else if (d.is_array()) {
      for (const json& e : d) {
        if (!e.is_object() || !e.contains("msg") || !e["msg"].is_string()) continue;
        if (!out.empty()) out += "; ";
        if (e.contains("loc") && e["loc"].is_array() && !e["loc"].empty() &&
            e["loc"].back().is_string()) {
          out += e["loc"].back().get<std::string>() + ": ";
        }
        out += e["msg"].get<std::string>();
      }
    } else {
      out = d.dump();
    }
  }
  if (out.empty()) out = body;
  if (out.size() > kMaxDetail) out = out.substr(0, kMaxDetail) + "...";
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

Status ReplyError(const std::string& what, const HttpReply& r) {
  std::string message = what + ": HTTP " + std::to_string(r.status);
  const std::string detail = Detail(r.body);
  if (!detail.empty()) message += " (" + detail + ")";
  if (r.status >= 500 || r.status == 408 || r.status == 429) return Unavailable(message);
  if (r.status == 404) return NotFound(message);
  if (r.status == 409) return AlreadyExists(message);
  return FailedPrecondition(message);
}

bool Is2xx(const HttpReply& r) { return r.status >= 200 && r.status < 300; }

// Usernames go into paths: only what Marzban's usernames may hold that needs no escaping.
Status CheckUsername(const std::string& base_url, const std::string& username) {
  bool ok = !username.empty() && username.size() <= 64;
  for (char c : username) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                c == '_' || c == '-' || c == '.');
  }
  if (ok) return Status::Ok();
  return InvalidArgument("Marzban at " + base_url + ": a username the hub does not send: \"" +
                         username.substr(0, 64) + "\"");
}

}  // namespace

MarzbanClient::MarzbanClient(std::string base_url, std::string username, std::string password,
                             std::chrono::milliseconds deadline)
    : base_url_(std::move(base_url)),
      username_(std::move(username)),
      password_(std::move(password)),
      deadline_(deadline) {}

int MarzbanClient::logins() const { return session_.logins(); }

Result<HttpReply> MarzbanClient::Send(const std::string& method, const std::string& path,
                                      const std::string& body, const std::string& content_type,
                                      const std::string& token) {
  std::vector<std::string> headers = {"Accept: application/json", "Expect:"};
  if (!body.empty()) headers.push_back("Content-Type: " + content_type);
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  return HttpCall(method, base_url_ + path, headers, body, deadline_);
}

Status MarzbanClient::Login() { return session_.Renew(session_.Current(), LoginFn()); }

Result<std::string> MarzbanClient::NewToken() {
  const std::string what = "Marzban at " + base_url_ + ": login as admin " + username_;
  const std::string form = "grant_type=password&username=" + formats::PercentEncode(username_) +
                           "&password=" + formats::PercentEncode(password_);
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, Send("POST", "/api/admin/token", form, "application/x-www-form-urlencoded", ""));
  if (r.status == 401) {
    return FailedPrecondition(
        what + " refused the username or password (HTTP 401: " + Detail(r.body) + ")");
  }
  if (!Is2xx(r)) return ReplyError(what, r);
  auto parsed = json::parse(r.body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("access_token") ||
      !parsed["access_token"].is_string() || parsed["access_token"].get<std::string>().empty()) {
    return Internal(what + " answered no access_token (is this Marzban's API?)");
  }
  return parsed["access_token"].get<std::string>();
}

Result<HttpReply> MarzbanClient::Authed(const std::string& method, const std::string& path,
                                        const std::string& body) {
  // A 401: the token is no longer accepted (expired, the panel's secret changed): one new login,
  // then the call once more.
  auto send = [&](const std::string& token) {
    return Send(method, path, body, "application/json", token);
  };
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, session_.Call(
                  send, [](const HttpReply& reply) { return reply.status == 401; }, LoginFn()));
  if (r.status == 401) {
    return FailedPrecondition(
        "Marzban at " + base_url_ + ": " + method + " " + path +
        " refused the token right after a new login (HTTP 401: " + Detail(r.body) + ")");
  }
  return r;
}

Result<json> MarzbanClient::JsonReply(const std::string& what, const HttpReply& r) {
  if (!Is2xx(r)) return ReplyError(what, r);
  auto parsed = json::parse(r.body, nullptr, false);
  if (!parsed.is_object()) return Internal(what + ": the answer is not a JSON object");
  return parsed;
}

Status MarzbanClient::CheckAdmin() {
  const std::string what = "Marzban at " + base_url_ + ": GET /api/admin";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", "/api/admin", ""));
  VPNHUB_ASSIGN_OR_RETURN(auto admin, JsonReply(what, r));
  if (!admin.contains("username")) return Internal(what + ": the answer is not an admin");
  return Status::Ok();
}

Result<json> MarzbanClient::Inbounds() {
  const std::string what = "Marzban at " + base_url_ + ": GET /api/inbounds";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", "/api/inbounds", ""));
  return JsonReply(what, r);
}

Result<json> MarzbanClient::CreateUser(const json& user) {
  const std::string what = "Marzban at " + base_url_ + ": POST /api/user";
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("POST", "/api/user", user.dump()));
  return JsonReply(what, r);
}

Result<json> MarzbanClient::GetUser(const std::string& username) {
  VPNHUB_RETURN_IF_ERROR(CheckUsername(base_url_, username));
  const std::string path = "/api/user/" + username;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", path, ""));
  return JsonReply("Marzban at " + base_url_ + ": GET " + path, r);
}

Result<json> MarzbanClient::ModifyUser(const std::string& username, const json& changes) {
  VPNHUB_RETURN_IF_ERROR(CheckUsername(base_url_, username));
  const std::string path = "/api/user/" + username;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("PUT", path, changes.dump()));
  return JsonReply("Marzban at " + base_url_ + ": PUT " + path, r);
}

Status MarzbanClient::DeleteUser(const std::string& username) {
  VPNHUB_RETURN_IF_ERROR(CheckUsername(base_url_, username));
  const std::string path = "/api/user/" + username;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("DELETE", path, ""));
  if (!Is2xx(r)) return ReplyError("Marzban at " + base_url_ + ": DELETE " + path, r);
  return Status::Ok();
}

Result<json> MarzbanClient::Users(int offset, int limit) {
  const std::string path =
      "/api/users?offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
  const std::string what = "Marzban at " + base_url_ + ": GET " + path;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed("GET", path, ""));
  VPNHUB_ASSIGN_OR_RETURN(auto page, JsonReply(what, r));
  if (!page.contains("users") || !page["users"].is_array()) {
    return Internal(what + ": the answer has no users list");
  }
  return page;
}

}  // namespace vpnhub::vpn::marzban
