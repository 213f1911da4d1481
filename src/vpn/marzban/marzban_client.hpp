#pragma once
// A client of Marzban's REST API (github.com/Gozargah/Marzban, app/routers/): the admin logs in
// with POST /api/admin/token (an OAuth2 password form: username, password) and gets a bearer
// token (a JWT) that every other call sends as "Authorization: Bearer ...". A 401 means the token
// is no longer accepted (expired, the panel's secret changed): one new login, then the call once
// more; a second 401 is permanent.
//
// Errors: unreachable, refused, TLS failure, HTTP 5xx, 408 and 429 -> kUnavailable; no answer
// within the deadline -> kDeadlineExceeded (both retryable); a refused password, a 401 after a
// new login, 403 and other 4xx -> kFailedPrecondition; 404 -> kNotFound; 409 -> kAlreadyExists;
// a 2xx answer that is not what the API answers -> kInternal. Messages name the API URL, never
// the password or the token.
//
// Thread-safe: the token is shared (vpn/common/renewed_session); each request has its own curl
// handle.
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"
#include "vpn/common/http_call.hpp"
#include "vpn/common/renewed_session.hpp"

namespace vpnhub::vpn::marzban {

class MarzbanClient {
 public:
  // `base_url`: the panel's base ("https://host:8000" or with a path prefix, no trailing '/');
  // `deadline` bounds each request.
  MarzbanClient(std::string base_url, std::string username, std::string password,
                std::chrono::milliseconds deadline);

  const std::string& base_url() const { return base_url_; }

  // POST /api/admin/token; keeps the token it answers.
  Status Login();
  // GET /api/admin (the admin the token belongs to).
  Status CheckAdmin();
  // GET /api/inbounds: {protocol: [{"tag", "protocol", "network", "tls", "port"}, ...]}.
  Result<nlohmann::json> Inbounds();
  // POST /api/user with `user`; the UserResponse. kAlreadyExists (409) when the username is
  // taken.
  Result<nlohmann::json> CreateUser(const nlohmann::json& user);
  // GET /api/user/{username}; kNotFound when there is none.
  Result<nlohmann::json> GetUser(const std::string& username);
  // PUT /api/user/{username} with `changes`; kNotFound when there is none.
  Result<nlohmann::json> ModifyUser(const std::string& username, const nlohmann::json& changes);
  // DELETE /api/user/{username}; kNotFound when there is none.
  Status DeleteUser(const std::string& username);
  // GET /api/users?offset=&limit=: {"users": [...], "total": N}.
  Result<nlohmann::json> Users(int offset, int limit);

  // How many logins this client made (for tests and logs).
  int logins() const;

 private:
  // One request with the token, logging in first when there is none and once more on a 401.
  Result<HttpReply> Authed(const std::string& method, const std::string& path,
                           const std::string& body);
  Result<HttpReply> Send(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& content_type,
                         const std::string& token);
  // POST /api/admin/token: the access token the panel answers.
  Result<std::string> NewToken();
  RenewedSession::Login LoginFn() {
    return [this] { return NewToken(); };
  }
  // The JSON object of a 2xx answer to `what`, or the error of the answer.
  Result<nlohmann::json> JsonReply(const std::string& what, const HttpReply& r);

  const std::string base_url_;
  const std::string username_;
  const std::string password_;
  const std::chrono::milliseconds deadline_;
  RenewedSession session_;  // the bearer token
};

}  // namespace vpnhub::vpn::marzban
