#include "vpn/xui/xui_settings.hpp"

#include <sodium.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/host_rules.hpp"
#include "vpn/common/url_authority.hpp"

namespace vpnhub::vpn::xui {
namespace {

Status BadSetting(const std::string& name, const std::string& why) {
  return InvalidArgument("xui setting \"" + name + "\" " + why);
}

std::string Get(const ServerSettings& s, const std::string& name) {
  auto it = s.find(name);
  return it == s.end() ? "" : it->second;
}

std::optional<int> ParseInt(std::string_view text, int lo, int hi) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

}  // namespace

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string StdBase64(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string Where(const XuiSettings& s, const std::string& what) {
  return "3x-ui at " + s.api.where + ": " + what;
}

Result<ApiUrl> ParseApiUrl(const std::string& text) {
  std::string rest;
  int default_port = 0;
  if (text.rfind("https://", 0) == 0) {
    rest = text.substr(8);
    default_port = 443;
  } else if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
    default_port = 80;
  } else {
    return InvalidArgument("the API URL must start http:// or https://");
  }
  if (!IsPlainUrlText(text)) {
    return InvalidArgument(
        "the API URL must be http(s)://HOST:PORT/PATH without blanks, query, fragment or user");
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  VPNHUB_ASSIGN_OR_RETURN(auto host, ParseUrlAuthority(authority, default_port));
  ApiUrl out;
  out.host = host.host;
  out.port = host.port;
  out.base = text.substr(0, text.find("://") + 3) + authority + path;
  out.where = host.HostPort();
  return out;
}

int Shadowsocks2022KeyBytes(const std::string& method) {
  if (method == "2022-blake3-aes-128-gcm") return 16;
  if (method == "2022-blake3-aes-256-gcm" || method == "2022-blake3-chacha20-poly1305") return 32;
  return 0;
}

Result<std::string> TrojanPassword(const std::string& uuid) {
  if (!IsUuid(uuid)) return InvalidArgument("the key's secret is not a UUID");
  std::string out;
  for (char c : uuid) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Result<std::string> Shadowsocks2022UserKey(const std::string& method, const std::string& uuid) {
  if (!IsUuid(uuid)) return InvalidArgument("the key's secret is not a UUID");
  const int bytes = Shadowsocks2022KeyBytes(method);
  if (bytes == 0) return InvalidArgument("not a Shadowsocks 2022 method: " + method);
  const std::string input = "vpnhub-xui-ss2022:" + uuid;
  unsigned char out[32];
  crypto_generichash(out, static_cast<std::size_t>(bytes),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  return StdBase64(out, static_cast<std::size_t>(bytes));
}

Result<XuiSettings> ParseSettings(const ServerSettings& settings, bool for_links) {
  XuiSettings s;
  const std::string url = Get(settings, "api_url");
  if (url.empty()) return BadSetting("api_url", "is required (--api-url)");
  auto api = ParseApiUrl(url);
  if (!api.ok()) return BadSetting("api_url", "is not valid: " + api.status().message());
  s.api = std::move(*api);
  s.username = Get(settings, "username");
  s.password = Get(settings, "password");
  s.token = Get(settings, "token");
  const std::string gen = Get(settings, "api");
  if (gen == "v2") {
    s.gen = ApiGen::kV2;
    if (s.username.empty() || s.password.empty()) {
      return BadSetting("username", "and password are required for the v2 API");
    }
  } else if (gen == "v3") {
    s.gen = ApiGen::kV3;
    if (s.token.empty()) return BadSetting("token", "is required for the v3 API (--token)");
  } else if (gen.empty() && !for_links) {
    s.gen = s.token.empty() ? ApiGen::kV2 : ApiGen::kV3;
  } else {
    return BadSetting("api", "must be v2 or v3");
  }
  const auto inbound = ParseInt(Get(settings, "inbound_id"), 1, 999999999);
  if (!inbound) return BadSetting("inbound_id", "must be a positive number (--inbound-id)");
  s.inbound_id = *inbound;
  if (!for_links) return s;
  s.protocol = Get(settings, "protocol");
  if (s.protocol != "vless" && s.protocol != "trojan" && s.protocol != "shadowsocks") {
    return BadSetting("protocol", "must be vless, trojan or shadowsocks (read from the inbound)");
  }
  const auto port = ParseInt(Get(settings, "inbound_port"), 1, 65535);
  if (!port) return BadSetting("inbound_port", "must be 1..65535");
  s.inbound_port = *port;
  auto& st = s.stream;
  st.network = Get(settings, "network");
  if (st.network != "tcp" && st.network != "ws" && st.network != "grpc") {
    return BadSetting("network", "must be tcp, ws or grpc");
  }
  st.security = Get(settings, "security");
  if (st.security.empty()) st.security = "none";
  if (st.security != "none" && st.security != "tls" && st.security != "reality") {
    return BadSetting("security", "must be none, tls or reality");
  }
  st.sni = Get(settings, "sni");
  st.fp = Get(settings, "fp");
  st.alpn = Get(settings, "alpn");
  st.pbk = Get(settings, "pbk");
  st.sid = Get(settings, "sid");
  st.spx = Get(settings, "spx");
  st.path = Get(settings, "path");
  st.host = Get(settings, "ws_host");
  st.header_type = Get(settings, "header_type");
  st.service_name = Get(settings, "service_name");
  st.grpc_mode = Get(settings, "grpc_mode");
  st.flow = Get(settings, "flow");
  if (st.security == "reality" && st.pbk.empty()) {
    return BadSetting("pbk", "is required for a Reality inbound");
  }
  if (s.protocol == "shadowsocks") {
    s.ss_method = Get(settings, "ss_method");
    s.ss_server_psk = Get(settings, "ss_server_psk");
    if (Shadowsocks2022KeyBytes(s.ss_method) == 0) {
      return BadSetting("ss_method", "must be a 2022-blake3-* method");
    }
    if (s.ss_server_psk.empty()) return BadSetting("ss_server_psk", "is required");
  }
  return s;
}

}  // namespace vpnhub::vpn::xui
