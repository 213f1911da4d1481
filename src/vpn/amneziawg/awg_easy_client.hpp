#pragma once
// A client of amnezia-wg-easy's web API (github.com/w0rng/amnezia-wg-easy, src/lib/Server.js), over
// HTTP or HTTPS with libcurl: POST /api/session {"password","remember":true} answers a session
// cookie (express-session's connect.sid) that every /api/wireguard call sends; a 401 means the
// session is gone (the server restarted, the session expired) and is answered by one new login,
// then the call once more; a second 401 is permanent.
//
// Errors: unreachable, refused, TLS failure, HTTP 5xx, 408 and 429 -> kUnavailable; no answer
// within the deadline -> kDeadlineExceeded (both retryable); a refused password, a 401 after a new
// login and other 4xx -> kFailedPrecondition; 404 -> kNotFound; a 2xx answer that is not what the
// API answers -> kInternal. Messages name the API URL, never the password or the cookie.
//
// Thread-safe: the cookie is shared (vpn/common/renewed_session); each request has its own curl
// handle.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "vpn/common/http_call.hpp"
#include "vpn/common/renewed_session.hpp"

namespace vpnhub::vpn::amneziawg {

// A client as GET /api/wireguard/client lists it (the fields the hub reads).
struct AwgClient {
  std::string id;  // a UUID the server made
  std::string name;
  bool enabled = true;
  std::string address;
  // Bytes received from / sent to the peer, when the server's interface reports the peer (null in
  // the API otherwise).
  std::optional<std::uint64_t> transfer_rx;
  std::optional<std::uint64_t> transfer_tx;
};

class AwgEasyClient {
 public:
  // `base_url`: the web UI's base ("http://host:51821", no trailing '/'); `deadline` bounds each
  // request.
  AwgEasyClient(std::string base_url, std::string password, std::chrono::milliseconds deadline);

  const std::string& base_url() const { return base_url_; }

  // POST /api/session with the password; keeps the cookie it answers.
  Status Login();
  // GET /api/session with the cookie: Ok when the session is authenticated, after one new login
  // when it was not.
  Status CheckSession();
  // GET /api/wireguard/client.
  Result<std::vector<AwgClient>> ListClients();
  // POST /api/wireguard/client {"name": name, "expiredDate": ""} (the server answers no id).
  Status CreateClient(const std::string& name);
  // DELETE /api/wireguard/client/{id}; the server answers success for an unknown id too.
  Status DeleteClient(const std::string& id);
  // GET /api/wireguard/client/{id}/configuration: the .conf text as the server writes it.
  // kNotFound for an unknown id.
  Result<std::string> Configuration(const std::string& id);

  // Held by whoever looks a client up by name and creates it when absent, so that two calls of
  // this process do not both create it.
  std::mutex& create_mutex() { return create_mu_; }

  // How many logins this client made (for tests and logs).
  int logins() const;

 private:
  // One request with the session cookie, logging in first when there is none and once more on a
  // 401.
  Result<HttpReply> Authed(const std::string& method, const std::string& path,
                           const std::string& body);
  Result<HttpReply> Send(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& cookie);
  // POST /api/session: the cookie the server answers.
  Result<std::string> NewCookie();
  RenewedSession::Login LoginFn() {
    return [this] { return NewCookie(); };
  }

  const std::string base_url_;
  const std::string password_;
  const std::chrono::milliseconds deadline_;
  RenewedSession session_;  // "name=value; name2=value2" as the Cookie header sends it
  std::mutex create_mu_;
};

}  // namespace vpnhub::vpn::amneziawg
