#pragma once
// A login session shared by the threads of one panel client (amnezia-wg-easy's cookie, Marzban's
// bearer token, 3x-ui v2's cookie): the credential under a mutex, renewed by one login at a time.
//
// Renew(stale, login) logs in only when the credential is still `stale` (or empty): when many
// callers find the same credential refused, the first one logs in and the others take its new
// credential (single flight). Call(send, expired, login) sends with the current credential
// (logging in first when there is none); when `expired` says the answer means "session gone"
// (401; 3x-ui v2: 404), it renews once and sends once more, and returns that second answer
// whatever it is (never a loop). A failed login is returned as is.
//
// `login` returns the new credential (non-empty) or the error of the login. Thread-safe.
#include <functional>
#include <mutex>
#include <string>
#include <utility>

#include "core/status.hpp"

namespace vpnhub::vpn {

class RenewedSession {
 public:
  using Login = std::function<Result<std::string>()>;

  // The credential now ("" before the first login).
  std::string Current() const;
  // How many logins succeeded (for tests and logs).
  int logins() const;

  // Logs in unless the credential changed since `stale` was read (another caller renewed it).
  Status Renew(const std::string& stale, const Login& login);

  // `send(credential)` with one renewal when `expired(answer)`; see above.
  template <typename Send, typename Expired>
  auto Call(const Send& send, const Expired& expired, const Login& login)
      -> decltype(send(std::string())) {
    std::string credential = Current();
    if (credential.empty()) {
      VPNHUB_RETURN_IF_ERROR(Renew(credential, login));
      credential = Current();
    }
    auto first = send(credential);
    if (!first.ok() || !expired(*first)) return first;
    VPNHUB_RETURN_IF_ERROR(Renew(credential, login));
    return send(Current());
  }

 private:
  mutable std::mutex mu_;
  std::string credential_;
  int logins_ = 0;
  std::mutex login_mu_;  // one login at a time
};

}  // namespace vpnhub::vpn
