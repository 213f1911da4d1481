#include "vpn/remnawave/remnawave_kind.hpp"

#include <string>

#include "vpn/remnawave/remnawave_backend.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

Status SetApiUrl(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto api, ParsePanelUrl(value));
  settings["api_url"] = api.base;
  settings["api_host"] = api.host_port;
  return Status::Ok();
}

Status SetToken(const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("must not be empty");
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return InvalidArgument("must be printable without blanks");
  }
  settings["token"] = value;
  return Status::Ok();
}

// Repeatable: each value appends one UUID.
Status AddSquad(const std::string& value, ServerSettings& settings) {
  VPNHUB_RETURN_IF_ERROR(CheckUuid(value));
  std::string& squads = settings["squads"];
  squads += (squads.empty() ? "" : ",") + value;
  return Status::Ok();
}

RemnawaveOptions OptionsFrom(const BackendOptions& options) {
  RemnawaveOptions out;
  out.call_deadline = options.call_deadline;
  out.limit_ip = options.limit_ip;
  return out;
}

}  // namespace

KindSpec RemnawaveKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "a Remnawave panel's REST API";
  SettingFlag api_url;
  api_url.name = "--api-url";
  api_url.help = "the panel's base URL, http(s)://HOST[:PORT][/PATH] (routes are URL/api/...)";
  api_url.required = true;
  api_url.value_hint = "URL";
  api_url.edit_help = "the panel's base URL";
  api_url.apply = SetApiUrl;
  SettingFlag token;
  token.name = "--token";
  token.help = "an API token made in the panel (Settings -> API tokens)";
  token.required = true;
  token.value_hint = "TOKEN";
  token.edit_help = "an API token made in the panel";
  token.apply = SetToken;
  SettingFlag squad;
  squad.name = "--squad";
  squad.help =
      "an internal squad UUID every user gets (repeat for several; default: the panel's only "
      "squad)";
  squad.value_hint = "UUID";
  squad.repeatable = true;
  squad.apply = AddSquad;
  spec.flags = {api_url, token, squad};
  spec.listed_setting = "api_host";
  spec.secret_settings = {"api_url", "token"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<RemnawaveBackend>(OptionsFrom(options));
  };
  spec.prepare_server = [](const BackendOptions& options, Server& server) {
    return PrepareRemnawaveServer(OptionsFrom(options), server);
  };
  return spec;
}

}  // namespace vpnhub::vpn::remnawave
