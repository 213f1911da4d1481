#include "vpn/xui/xui_kind.hpp"

#include <string>

#include "vpn/xui/xui_backend.hpp"

namespace vpnhub::vpn::xui {
namespace {

Status SetOnce(ServerSettings& settings, const std::string& name, const std::string& value) {
  if (settings.count(name) != 0) return InvalidArgument("given twice");
  settings[name] = value;
  return Status::Ok();
}

Status SetApiUrl(const std::string& value, ServerSettings& settings) {
  VPNHUB_ASSIGN_OR_RETURN(auto api, ParseApiUrl(value));
  VPNHUB_RETURN_IF_ERROR(SetOnce(settings, "api_url", api.base));
  settings["api_host"] = api.where;
  return Status::Ok();
}

Status SetNonEmpty(const std::string& name, const std::string& value, ServerSettings& settings) {
  if (value.empty()) return InvalidArgument("must not be empty");
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("must not hold control characters");
    }
  }
  return SetOnce(settings, name, value);
}

Status SetInboundId(const std::string& value, ServerSettings& settings) {
  if (value.empty() || value.size() > 9 ||
      value.find_first_not_of("0123456789") != std::string::npos || value == "0" ||
      value.front() == '0') {
    return InvalidArgument("must be the inbound's id, a positive number");
  }
  return SetOnce(settings, "inbound_id", value);
}

Status SetApi(const std::string& value, ServerSettings& settings) {
  if (value != "v2" && value != "v3") return InvalidArgument("must be v2 or v3");
  return SetOnce(settings, "api", value);
}

// The link settings read from the inbound: replaced whenever prepare_server reads it again.
constexpr const char* kLinkSettings[] = {
    "protocol",    "inbound_port", "network",   "security", "sni",       "fp",
    "alpn",        "pbk",          "sid",       "spx",      "path",      "ws_host",
    "header_type", "service_name", "grpc_mode", "flow",     "ss_method", "ss_server_psk"};

}  // namespace

Status PrepareXuiServer(const BackendOptions& options, Server& server) {
  ServerSettings& set = server.settings;
  const bool has_login = set.count("username") != 0 || set.count("password") != 0;
  const bool has_token = set.count("token") != 0;
  if (has_login && has_token) {
    return InvalidArgument("give either --username with --password (v2) or --token (v3), not both");
  }
  if (!has_login && !has_token) {
    return InvalidArgument("give --username and --password (3x-ui 2.x) or --token (3x-ui 3.x)");
  }
  if (has_login && (set.count("username") == 0 || set.count("password") == 0)) {
    return InvalidArgument("--username and --password go together");
  }
  const auto api = set.find("api");
  if (has_token && api != set.end() && api->second == "v2") {
    return InvalidArgument(
        "--token is the v3 API's: the v2 API logs in with --username and "
        "--password");
  }
  if (has_token) set["api"] = "v3";
  VPNHUB_ASSIGN_OR_RETURN(auto s, ParseSettings(set, /*for_links=*/false));
  XuiBackend backend({options.call_deadline, options.limit_ip});
  const std::string panel = "the 3x-ui panel at " + s.api.where;
  if (set.count("api") == 0) {
    auto gen = backend.DetectApi(server);
    if (!gen.ok()) return gen.status();  // names the panel as 3x-ui at HOST:PORT
    if (*gen == ApiGen::kV3) {
      return FailedPrecondition(panel +
                                " is a 3.x panel (API v3): make an API token there "
                                "(Settings -> Security -> API Token) and give --token");
    }
    set["api"] = "v2";
  }
  auto inbound = backend.GetInbound(server);
  if (!inbound.ok()) {
    return inbound.status();  // names the panel and the inbound
  }
  VPNHUB_ASSIGN_OR_RETURN(auto links, LinkSettingsOf(*inbound));
  for (const char* name : kLinkSettings) set.erase(name);
  for (auto& [name, value] : links) set[name] = value;
  if (server.public_host.empty()) server.public_host = s.api.host;
  return ParseSettings(set).status();
}

KindSpec XuiKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "one inbound of a 3x-ui panel: vless, trojan or shadowsocks 2022";
  SettingFlag api_url;
  api_url.name = "--api-url";
  api_url.help = "The panel's URL with its secret web base path, http(s)://HOST:PORT/PATH";
  api_url.value_hint = "URL";
  api_url.required = true;
  api_url.apply = SetApiUrl;
  SettingFlag username;
  username.name = "--username";
  username.help = "Panel login name (API v2, 3x-ui 2.x), with --password";
  username.value_hint = "NAME";
  username.apply = [](const std::string& v, ServerSettings& s) {
    return SetNonEmpty("username", v, s);
  };
  SettingFlag password;
  password.name = "--password";
  password.help = "Panel login password (API v2), with --username";
  password.value_hint = "PASSWORD";
  password.apply = [](const std::string& v, ServerSettings& s) {
    return SetNonEmpty("password", v, s);
  };
  SettingFlag token;
  token.name = "--token";
  token.help = "API token (API v3, 3x-ui 3.x: Settings -> Security -> API Token)";
  token.value_hint = "TOKEN";
  token.apply = [](const std::string& v, ServerSettings& s) { return SetNonEmpty("token", v, s); };
  SettingFlag inbound;
  inbound.name = "--inbound-id";
  inbound.help = "The id of the panel's inbound the keys become clients of";
  inbound.value_hint = "N";
  inbound.required = true;
  inbound.apply = SetInboundId;
  SettingFlag api;
  api.name = "--api";
  api.help = "The panel's API generation; asked from the panel when not given";
  api.value_hint = "v2|v3";
  api.apply = SetApi;
  spec.flags = {api_url, username, password, token, inbound, api};
  spec.listed_setting = "api_host";
  spec.secret_settings = {"api_url", "password", "token", "ss_server_psk"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<XuiBackend>(
        XuiBackend::Options{options.call_deadline, options.limit_ip});
  };
  spec.prepare_server = PrepareXuiServer;
  return spec;
}

}  // namespace vpnhub::vpn::xui
