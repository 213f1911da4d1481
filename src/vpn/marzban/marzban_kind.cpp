#include "vpn/marzban/marzban_kind.hpp"

#include <string>

#include "vpn/marzban/marzban_backend.hpp"

namespace vpnhub::vpn::marzban {
namespace {

Status SetApiUrl(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto url, NormalizeUrl(value));
  settings["api_url"] = url.first;
  // HOST:PORT for `server list` (api_url may hold a secret path).
  const std::string rest = url.first.substr(url.first.find("://") + 3);
  settings["api_host"] = rest.substr(0, rest.find('/'));
  return Status::Ok();
}

Status SetNonEmpty(const char* name, const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("must not be empty");
  settings[name] = value;
  return Status::Ok();
}

Status AddInbound(const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("must not be empty");
  if (value.find(',') != std::string::npos) return InvalidArgument("must not contain ','");
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("must not contain control characters");
  }
  std::string& list = settings["inbounds"];
  list += (list.empty() ? "" : ",") + value;
  return Status::Ok();
}

Status SetSubUrlBase(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto url, NormalizeUrl(value));
  settings["sub_url_base"] = url.first;
  return Status::Ok();
}

}  // namespace

KindSpec MarzbanKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "a Marzban panel's REST API";
  SettingFlag url;
  url.name = "--api-url";
  url.help = "Marzban panel base URL, http(s)://HOST:PORT[/PATH]";
  url.required = true;
  url.value_hint = "URL";
  url.apply = SetApiUrl;
  SettingFlag username;
  username.name = "--username";
  username.help = "Marzban admin username";
  username.required = true;
  username.apply = [](const std::string& v, ServerSettings& s) {
    return SetNonEmpty("username", v, s);
  };
  SettingFlag password;
  password.name = "--password";
  password.help = "Marzban admin password";
  password.required = true;
  password.edit_help = "Marzban admin password";
  password.apply = [](const std::string& v, ServerSettings& s) {
    return SetNonEmpty("password", v, s);
  };
  SettingFlag inbound;
  inbound.name = "--inbound";
  inbound.help = "Inbound tag the keys get, e.g. \"VLESS TCP\"; repeat for several [default: all]";
  inbound.value_hint = "TAG";
  inbound.repeatable = true;
  inbound.apply = AddInbound;
  SettingFlag sub;
  sub.name = "--sub-url-base";
  sub.help = "Public base URL of the panel's subscription links [default: --api-url]";
  sub.value_hint = "URL";
  sub.apply = SetSubUrlBase;
  spec.flags = {url, username, password, inbound, sub};
  spec.listed_setting = "api_host";
  spec.secret_settings = {"password", "api_url"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<MarzbanBackend>(options.call_deadline);
  };
  spec.prepare_server = [](const BackendOptions& options, Server& server) {
    return PrepareServer(options.call_deadline, server);
  };
  return spec;
}

}  // namespace vpnhub::vpn::marzban
