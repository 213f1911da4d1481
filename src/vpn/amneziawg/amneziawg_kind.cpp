#include "vpn/amneziawg/amneziawg_kind.hpp"

#include <string>

#include "vpn/amneziawg/amneziawg_backend.hpp"

namespace vpnhub::vpn::amneziawg {
namespace {

Status SetApiUrl(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto url, NormalizeApiUrl(value));
  settings["api_url"] = url;
  return Status::Ok();
}

Status SetPassword(const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("must not be empty");
  settings["password"] = value;
  return Status::Ok();
}

}  // namespace

KindSpec AmneziaWgKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "an amnezia-wg-easy web API";
  SettingFlag url;
  url.name = "--api-url";
  url.help = "amnezia-wg-easy web UI base URL, http(s)://HOST:PORT";
  url.required = true;
  url.value_hint = "URL";
  url.edit_help = "amnezia-wg-easy web UI base URL";
  url.apply = SetApiUrl;
  SettingFlag password;
  password.name = "--password";
  password.help = "amnezia-wg-easy web UI password";
  password.required = true;
  password.edit_help = "amnezia-wg-easy web UI password";
  password.apply = SetPassword;
  spec.flags = {url, password};
  spec.listed_setting = "api_url";
  spec.secret_settings = {"password"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<AmneziaWgBackend>(options.call_deadline);
  };
  spec.prepare_server = [](const BackendOptions& options, Server& server) {
    return PrepareServer(options.call_deadline, server);
  };
  return spec;
}

}  // namespace vpnhub::vpn::amneziawg
