#pragma once
// One 3x-ui panel's HTTP session (github.com/MHSanaei/3x-ui), over HTTP or HTTPS with libcurl
// (HttpCall). Two API generations:
//   v2 (2.x panels): POST {base}/login {"username","password"} answers the session cookie "3x-ui";
//      every /panel/api/* call sends it. A 2.x panel answers 404 (checkAPIAuth hides the API) to
//      a call without a valid session: one new login, then the call once more; a second 404 is
//      permanent (kFailedPrecondition: the session is refused, or the route or webBasePath is
//      wrong).
//   v3 (3.x panels): "Authorization: Bearer TOKEN" on every call, no login; a refused token gets
//      404 (or 401) from checkAPIAuth: kFailedPrecondition.
// Every answer is the envelope {"success":bool,"msg":string,"obj":any}; a panel reports errors as
// HTTP 200 with success:false, which Call returns as an Envelope for the caller to judge.
//
// Errors: unreachable, refused, HTTP 5xx, 408, 429 -> kUnavailable; no answer within the deadline
// -> kDeadlineExceeded (both retryable); a refused login or token, other 4xx ->
// kFailedPrecondition; a 2xx that is not an envelope -> kInternal. Messages name the panel as
// HOST:PORT and the route relative to the API URL: never the URL's secret path, the password, the
// token or the cookie.
//
// Thread-safe: the cookie is shared (vpn/common/renewed_session); each request has its own curl
// handle.
#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "vpn/common/renewed_session.hpp"

namespace vpnhub::vpn::xui {

enum class ApiGen { kV2, kV3 };

struct PanelAccess {
  std::string base_url;  // scheme://host:port/webBasePath, no trailing '/'
  std::string where;     // "HOST:PORT" for messages
  ApiGen api = ApiGen::kV2;
  std::string username;  // v2 (and the v3 probe by cookie)
  std::string password;
  std::string token;  // v3
};

struct Envelope {
  bool success = false;
  std::string msg;
  nlohmann::json obj;  // null when the panel sent none
};

class XuiClient {
 public:
  XuiClient(PanelAccess access, std::chrono::milliseconds deadline);

  const PanelAccess& access() const { return access_; }

  // POST /login with the username and password (v2, or a cookie session on v3); keeps the cookie.
  Status Login();
  // One API call: `route` is appended to the base URL ("/panel/api/inbounds/get/3"); `json_body`
  // is sent as application/json when non-empty. v2 logs in first when there is no session and
  // once more on a 404. `what` names the call in messages ("GET inbound").
  Result<Envelope> Call(const std::string& method, const std::string& route,
                        const std::string& json_body, const std::string& what);
  // As Call on a session that just answered (no new login on a 404), with a 404 answered as
  // nullopt: the route does not exist here (the v3 probe on a 2.x panel).
  Result<std::optional<Envelope>> CallIfRouted(const std::string& method, const std::string& route,
                                               const std::string& json_body,
                                               const std::string& what);

  int logins() const;
  // True once POST /login answered 403: a 3.x panel, which wants a CSRF token for a password
  // login (the hub uses its API token instead).
  bool login_wants_csrf() const;

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  Result<Reply> Send(const std::string& method, const std::string& route,
                     const std::string& json_body, const std::string& cookie,
                     const std::string& what, std::vector<std::string>* set_cookies);
  Result<Reply> Authed(const std::string& method, const std::string& route,
                       const std::string& json_body, const std::string& what,
                       bool relogin_on_404 = true);
  // POST /login: the session cookie the panel answers.
  Result<std::string> NewCookie();
  Result<Envelope> Parse(const Reply& r, const std::string& what) const;

  const PanelAccess access_;
  const std::chrono::milliseconds deadline_;
  RenewedSession session_;  // the cookie (v2, or v3 without a token)
  std::atomic<bool> login_wants_csrf_{false};
};

}  // namespace vpnhub::vpn::xui
