#include "vpn/remnawave/remnawave_client.hpp"

#include <algorithm>
#include <utility>

#include "core/host_rules.hpp"
#include "vpn/common/http_call.hpp"
#include "vpn/common/url_authority.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

using nlohmann::json;

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("remnawave setting \"" + name + "\" " + why);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// An error body's message and code: {"message","errorCode"} or zod's {"message","errors":[...]}.
std::string ErrorDetail(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return "";
  std::string out = StringField(j, "message");
  const std::string code = StringField(j, "errorCode");
  if (!code.empty()) out += (out.empty() ? "" : " ") + std::string("(") + code + ")";
  if (auto errors = j.find("errors"); errors != j.end() && errors->is_array()) {
    for (const auto& e : *errors) {
      if (!e.is_object()) continue;
      std::string path;
      if (auto p = e.find("path"); p != e.end() && p->is_array()) {
        for (const auto& part : *p) {
          if (part.is_string()) path += (path.empty() ? "" : ".") + part.get<std::string>();
        }
      }
      out += "; " + (path.empty() ? std::string() : path + ": ") + StringField(e, "message");
    }
  }
  if (out.size() > 300) out.resize(300);
  return out;
}

}  // namespace

std::optional<std::int64_t> IntField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return static_cast<std::int64_t>(it->get<double>());
}

Result<PanelUser> ParseUser(const json& j) {
  if (!j.is_object()) return Internal("Remnawave API: a user that is not a JSON object");
  PanelUser u;
  u.username = StringField(j, "username");
  if (u.username.empty()) return Internal("Remnawave API: a user without a username");
  u.id = IntField(j, "id").value_or(0);
  u.uuid = StringField(j, "uuid");
  u.short_uuid = StringField(j, "shortUuid");
  u.status = StringField(j, "status");
  u.trojan_password = StringField(j, "trojanPassword");
  u.vless_uuid = StringField(j, "vlessUuid");
  u.subscription_url = StringField(j, "subscriptionUrl");
  u.expire_at = StringField(j, "expireAt");
  u.traffic_limit_bytes = IntField(j, "trafficLimitBytes").value_or(0);
  u.hwid_device_limit = IntField(j, "hwidDeviceLimit");
  u.telegram_id = IntField(j, "telegramId");
  if (auto s = j.find("activeInternalSquads"); s != j.end() && s->is_array()) {
    for (const auto& item : *s) {
      if (item.is_object()) u.squads.push_back(StringField(item, "uuid"));
      if (item.is_string()) u.squads.push_back(item.get<std::string>());
    }
  }
  if (auto t = j.find("userTraffic"); t != j.end() && t->is_object()) {
    const auto used = IntField(*t, "usedTrafficBytes").value_or(0);
    u.used_traffic_bytes = used > 0 ? static_cast<std::uint64_t>(used) : 0;
  } else if (auto used = IntField(j, "usedTrafficBytes")) {  // 2.x before userTraffic
    u.used_traffic_bytes = *used > 0 ? static_cast<std::uint64_t>(*used) : 0;
  }
  if (u.id == 0 && u.uuid.empty()) return Internal("Remnawave API: a user without an id");
  return u;
}

// The body's {"response": ...}.
Result<json> Response(const std::string& what, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("response")) {
    return Internal("Remnawave API " + what + " answered without {\"response\": ...}");
  }
  return j["response"];
}

std::string ErrorCode(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  return j.is_object() ? StringField(j, "errorCode") : "";
}

Result<PanelUrl> ParsePanelUrl(const std::string& text) {
  std::string scheme;
  if (text.rfind("https://", 0) == 0) {
    scheme = "https://";
  } else if (text.rfind("http://", 0) == 0) {
    scheme = "http://";
  } else {
    return InvalidArgument("the API URL must start with https:// or http://");
  }
  if (!IsPlainUrlText(text)) {
    return InvalidArgument(
        "the API URL must be http(s)://HOST[:PORT][/PATH] without blanks, query, fragment or "
        "user");
  }
  const std::string rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (authority.empty()) return InvalidArgument("the API URL has no host");
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, "/api") == 0) {
    path.resize(path.size() - 4);
  }
  VPNHUB_ASSIGN_OR_RETURN(auto host, ParseUrlAuthority(authority, scheme == "https://" ? 443 : 80));
  PanelUrl out;
  out.host = host.host;
  out.host_port = host.HostPort();
  out.origin = scheme + authority;
  out.base = out.origin + path;
  return out;
}

Status CheckUuid(const std::string& text) {
  static const int kGroups[] = {8, 4, 4, 4, 12};
  std::size_t at = 0;
  for (int g = 0; g < 5; ++g) {
    for (int i = 0; i < kGroups[g]; ++i, ++at) {
      if (at >= text.size() || !IsHex(text[at])) {
        return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
      }
    }
    if (g < 4) {
      if (at >= text.size() || text[at] != '-') {
        return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
      }
      ++at;
    }
  }
  if (at != text.size()) return InvalidArgument("must be a UUID (8-4-4-4-12 hex digits)");
  return Status::Ok();
}

Result<RemnawaveSettings> ParseSettings(const ServerSettings& settings) {
  RemnawaveSettings out;
  auto url = settings.find("api_url");
  if (url == settings.end() || url->second.empty()) {
    return BadSetting("api_url", "is required (--api-url, the panel's base URL)");
  }
  auto api = ParsePanelUrl(url->second);
  if (!api.ok()) return BadSetting("api_url", "is not valid: " + api.status().message());
  out.api = std::move(*api);
  auto token = settings.find("token");
  if (token == settings.end() || token->second.empty()) {
    return BadSetting("token", "is required (--token, an API token made in the panel)");
  }
  out.token = token->second;
  for (char c : out.token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return BadSetting("token", "must be printable without blanks");
  }
  if (auto squads = settings.find("squads"); squads != settings.end()) {
    std::string item;
    const std::string& text = squads->second;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == ',') {
        if (!item.empty()) {
          if (!CheckUuid(item).ok()) {
            return BadSetting("squads", "holds \"" + item + "\", which is not a UUID");
          }
          if (std::find(out.squads.begin(), out.squads.end(), item) == out.squads.end()) {
            out.squads.push_back(item);
          }
        }
        item.clear();
      } else {
        item += text[i];
      }
    }
  }
  return out;
}

RemnawaveClient::RemnawaveClient(RemnawaveSettings settings, std::chrono::milliseconds deadline)
    : settings_(std::move(settings)), deadline_(deadline) {}

Result<RemnawaveClient::Reply> RemnawaveClient::Send(const char* method, const std::string& route,
                                                     const std::string& body,
                                                     const std::string& what) const {
  const RemnawaveSettings& s = settings_;
  std::vector<std::string> headers = {
      "Accept: application/json",
      "Expect:",
      "Authorization: Bearer " + s.token,
      // The panel's proxy-check middleware drops a request without these (it wants its reverse
      // proxy in front, over HTTPS).
      "X-Forwarded-For: 127.0.0.1",
      "X-Forwarded-Proto: https",
  };
  if (!body.empty()) headers.push_back("Content-Type: application/json");
  const std::string url = s.api.base + "/api" + route;
  auto r = HttpCall(method, url, headers, body, deadline_);
  if (!r.ok()) {
    // HttpCall's message starts "METHOD URL: "; the URL's path may be a secret.
    std::string detail = r.status().message();
    const std::string prefix = std::string(method) + " " + url + ": ";
    if (detail.rfind(prefix, 0) == 0) detail = detail.substr(prefix.size());
    return Status(r.status().code(),
                  "Remnawave API at " + s.api.host_port + " " + what + ": " + detail);
  }
  return Reply{r->status, std::move(r->body)};
}

Status RemnawaveClient::Unexpected(const std::string& what, const Reply& reply) const {
  const std::string detail = ErrorDetail(reply.body);
  const std::string msg = "Remnawave API at " + settings_.api.host_port + " " + what +
                          " answered HTTP " + std::to_string(reply.status) +
                          (detail.empty() ? "" : ": " + detail);
  const long status = reply.status;
  if (status >= 500 || status == 408 || status == 429) return Unavailable(msg);
  if (status == 401 || status == 403) {
    return FailedPrecondition(msg + " (the panel refuses the API token)");
  }
  if (status == 404) {
    return FailedPrecondition(msg + " (no such route: is the API URL the panel's base URL?)");
  }
  return FailedPrecondition(msg);
}

}  // namespace vpnhub::vpn::remnawave
