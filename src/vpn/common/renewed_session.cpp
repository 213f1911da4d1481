#include "vpn/common/renewed_session.hpp"

namespace vpnhub::vpn {

std::string RenewedSession::Current() const {
  std::lock_guard lock(mu_);
  return credential_;
}

int RenewedSession::logins() const {
  std::lock_guard lock(mu_);
  return logins_;
}

Status RenewedSession::Renew(const std::string& stale, const Login& login) {
  std::lock_guard one_login(login_mu_);
  {
    std::lock_guard lock(mu_);
    if (credential_ != stale && !credential_.empty()) return Status::Ok();  // renewed meanwhile
  }
  VPNHUB_ASSIGN_OR_RETURN(std::string fresh, login());
  if (fresh.empty()) return Internal("a login answered an empty credential");
  std::lock_guard lock(mu_);
  credential_ = std::move(fresh);
  ++logins_;
  return Status::Ok();
}

}  // namespace vpnhub::vpn
