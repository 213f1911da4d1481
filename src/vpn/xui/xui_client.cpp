#include "vpn/xui/xui_client.hpp"

#include "vpn/common/http_call.hpp"

namespace vpnhub::vpn::xui {
namespace {

using nlohmann::json;

// The largest answer taken from a panel.
constexpr std::size_t kMaxAnswerBytes = 64u << 20;

// "name=value" of a Set-Cookie value.
std::string CookiePair(const std::string& set_cookie) {
  const std::string pair = set_cookie.substr(0, set_cookie.find(';'));
  const auto eq = pair.find('=');
  if (eq == std::string::npos || eq == 0) return "";
  std::string out;
  for (char c : pair) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
  }
  return out;
}

// `text` with every occurrence of `secret` replaced by `with`.
std::string Redact(std::string text, const std::string& secret, const std::string& with) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + with.size())) {
    text.replace(at, secret.size(), with);
  }
  return text;
}

}  // namespace

XuiClient::XuiClient(PanelAccess access, std::chrono::milliseconds deadline)
    : access_(std::move(access)), deadline_(deadline) {}

bool XuiClient::login_wants_csrf() const { return login_wants_csrf_.load(); }

int XuiClient::logins() const { return session_.logins(); }

Result<XuiClient::Reply> XuiClient::Send(const std::string& method, const std::string& route,
                                         const std::string& json_body, const std::string& cookie,
                                         const std::string& what,
                                         std::vector<std::string>* set_cookies) {
  std::vector<std::string> headers = {"Accept: application/json"};
  if (!json_body.empty()) headers.push_back("Content-Type: application/json");
  if (!cookie.empty()) headers.push_back("Cookie: " + cookie);
  if (access_.api == ApiGen::kV3 && !access_.token.empty()) {
    headers.push_back("Authorization: Bearer " + access_.token);
  }
  // A 2.x inbound answers with every client in it: about 450 bytes each, 10,000 clients > 4 MB.
  auto r =
      HttpCall(method, access_.base_url + route, headers, json_body, deadline_, kMaxAnswerBytes);
  if (!r.ok()) {
    // HttpCall names the URL, whose path is the panel's secret: name the panel by HOST:PORT.
    // HttpCall's message starts "METHOD URL: "; `what` says the same without the secret path.
    std::string msg = r.status().message();
    const std::string prefix = method + " " + access_.base_url + route + ": ";
    if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    msg = Redact(msg, access_.base_url, access_.where);
    return Status(r.status().code(), "3x-ui at " + access_.where + ": " + what + ": " + msg);
  }
  if (set_cookies != nullptr) *set_cookies = r->set_cookies;
  return Reply{r->status, std::move(r->body)};
}

Result<Envelope> XuiClient::Parse(const Reply& r, const std::string& what) const {
  const std::string at = "3x-ui at " + access_.where + ": " + what;
  if (r.status >= 500 || r.status == 408 || r.status == 429) {
    return Unavailable(at + " answered HTTP " + std::to_string(r.status));
  }
  if (r.status == 401 || r.status == 403) {
    return FailedPrecondition(at + " answered HTTP " + std::to_string(r.status) +
                              ": the panel refuses the " +
                              (access_.api == ApiGen::kV3 ? "API token" : "session"));
  }
  if (r.status == 404) {
    return FailedPrecondition(
        at + " answered HTTP 404: the panel refuses the " +
        (access_.api == ApiGen::kV3 ? std::string("API token") : std::string("login")) +
        ", or the API URL (its web base path) or the API generation (--api) is wrong");
  }
  if (r.status < 200 || r.status >= 300) {
    return FailedPrecondition(at + " answered HTTP " + std::to_string(r.status));
  }
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("success") || !j["success"].is_boolean()) {
    return Internal(at + " answered a body that is not a 3x-ui envelope {success,msg,obj}");
  }
  Envelope e;
  e.success = j["success"].get<bool>();
  if (auto m = j.find("msg"); m != j.end() && m->is_string()) e.msg = m->get<std::string>();
  if (auto o = j.find("obj"); o != j.end()) e.obj = *o;
  return e;
}

Status XuiClient::Login() {
  return session_.Renew(session_.Current(), [this] { return NewCookie(); });
}

Result<std::string> XuiClient::NewCookie() {
  const std::string what = "POST /login";
  const json request = {{"username", access_.username}, {"password", access_.password}};
  std::vector<std::string> set_cookies;
  VPNHUB_ASSIGN_OR_RETURN(auto r, Send("POST", "/login", request.dump(), "", what, &set_cookies));
  if (r.status == 403) {
    // 3.x guards every unsafe request of a cookie session, the login included, with a CSRF
    // token; 2.x has none.
    login_wants_csrf_ = true;
    return FailedPrecondition("3x-ui at " + access_.where +
                              ": POST /login answered HTTP 403 (a 3.x panel: give its API token, "
                              "--token)");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto e, Parse(r, what));
  if (!e.success) {
    return FailedPrecondition("3x-ui at " + access_.where +
                              ": the panel refused the username and password (" + e.msg + ")");
  }
  std::string cookie;
  for (const std::string& set : set_cookies) {
    const std::string pair = CookiePair(set);
    if (pair.empty()) continue;
    cookie += (cookie.empty() ? "" : "; ") + pair;
  }
  if (cookie.empty()) {
    return Internal("3x-ui at " + access_.where + ": the login answered no session cookie");
  }
  return cookie;
}

Result<XuiClient::Reply> XuiClient::Authed(const std::string& method, const std::string& route,
                                           const std::string& json_body, const std::string& what,
                                           bool relogin_on_404) {
  const bool uses_cookie = access_.api == ApiGen::kV2 || access_.token.empty();
  if (!uses_cookie) return Send(method, route, json_body, "", what, nullptr);
  // 2.x hides its API behind 404 when the session is gone (panel restart, expiry): one new
  // login, then the call once more.
  auto send = [&](const std::string& cookie) {
    return Send(method, route, json_body, cookie, what, nullptr);
  };
  auto expired = [relogin_on_404](const Reply& r) {
    return r.status == 401 || (r.status == 404 && relogin_on_404);
  };
  return session_.Call(send, expired, [this] { return NewCookie(); });
}

Result<Envelope> XuiClient::Call(const std::string& method, const std::string& route,
                                 const std::string& json_body, const std::string& what) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed(method, route, json_body, what));
  return Parse(r, what);
}

Result<std::optional<Envelope>> XuiClient::CallIfRouted(const std::string& method,
                                                        const std::string& route,
                                                        const std::string& json_body,
                                                        const std::string& what) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, Authed(method, route, json_body, what, false));
  if (r.status == 404) return std::optional<Envelope>();
  VPNHUB_ASSIGN_OR_RETURN(auto e, Parse(r, what));
  return std::optional<Envelope>(std::move(e));
}

}  // namespace vpnhub::vpn::xui
