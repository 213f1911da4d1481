#include "vpn/outline/outline_kind.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "core/host_rules.hpp"
#include "vpn/common/pinned_https.hpp"
#include "vpn/outline/outline_backend.hpp"

namespace vpnhub::vpn::outline {
namespace {

constexpr const char* kEitherForm =
    "give either --outline-json or --api-url with --cert-sha256, not both";

std::string HostPort(const ApiUrl& api) {
  const bool v6 = api.host.find(':') != std::string::npos;
  return (v6 ? "[" + api.host + "]" : api.host) + ":" + std::to_string(api.port);
}

Status SetApiUrl(const std::string& value, ServerSettings& settings) {
  if (settings.count("api_url") != 0) return InvalidArgument(kEitherForm);
  VPNHUB_ASSIGN_OR_RETURN(auto api, ParseApiUrl(value));
  settings["api_url"] = api.base;
  settings["api_host"] = HostPort(api);
  return Status::Ok();
}

Status SetCertSha256(const std::string& value, ServerSettings& settings) {
  if (settings.count("cert_sha256") != 0) return InvalidArgument(kEitherForm);
  VPNHUB_ASSIGN_OR_RETURN(auto pin, ParseCertSha256(value));
  settings["cert_sha256"] = pin;
  return Status::Ok();
}

Status SetOutlineJson(const std::string& value, ServerSettings& settings) {
  if (settings.count("api_url") != 0 || settings.count("cert_sha256") != 0) {
    return InvalidArgument(kEitherForm);
  }
  const auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) {
    return InvalidArgument(
        "expected the installer's JSON line {\"apiUrl\":\"https://...\",\"certSha256\":\"...\"}");
  }
  auto url = j.find("apiUrl");
  auto cert = j.find("certSha256");
  if (url == j.end() || !url->is_string()) return InvalidArgument("the JSON has no apiUrl string");
  if (cert == j.end() || !cert->is_string()) {
    return InvalidArgument("the JSON has no certSha256 string");
  }
  ServerSettings scratch;
  auto st = SetApiUrl(url->get<std::string>(), scratch);
  if (!st.ok()) return InvalidArgument("apiUrl: " + st.message());
  st = SetCertSha256(cert->get<std::string>(), scratch);
  if (!st.ok()) return InvalidArgument("certSha256: " + st.message());
  for (auto& [name, v] : scratch) settings[name] = v;
  return Status::Ok();
}

}  // namespace

Status PrepareOutlineServer(const BackendOptions& options, Server& server) {
  VPNHUB_ASSIGN_OR_RETURN(auto settings, ParseSettings(server.settings));
  OutlineBackend backend(options.call_deadline);
  auto info = backend.GetServerInfo(server);
  if (!info.ok()) {
    return Status(info.status().code(), "the Outline server at " + HostPort(settings.api) +
                                            " does not answer as one: " + info.status().message());
  }
  if (server.public_host.empty()) {
    const std::string& named = info->hostname_for_access_keys;
    server.public_host =
        !named.empty() && CheckHost("host", named).ok() ? named : settings.api.host;
  }
  return Status::Ok();
}

KindSpec OutlineKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "an Outline server's management API";
  SettingFlag api_url;
  api_url.name = "--api-url";
  api_url.help = "Outline management API URL (apiUrl), https://HOST:PORT/SECRET";
  api_url.value_hint = "URL";
  api_url.apply = SetApiUrl;
  SettingFlag cert;
  cert.name = "--cert-sha256";
  cert.help = "SHA-256 of the API's certificate (certSha256), 64 hex digits";
  cert.value_hint = "HEX";
  cert.apply = SetCertSha256;
  SettingFlag json;
  json.name = "--outline-json";
  json.help =
      "The installer's line {\"apiUrl\":...,\"certSha256\":...} instead of --api-url and "
      "--cert-sha256";
  json.value_hint = "JSON";
  json.apply = SetOutlineJson;
  spec.flags = {api_url, cert, json};
  spec.listed_setting = "api_host";
  spec.secret_settings = {"api_url"};
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<OutlineBackend>(options.call_deadline);
  };
  spec.prepare_server = PrepareOutlineServer;
  return spec;
}

}  // namespace vpnhub::vpn::outline
