#include "formats/proxy_link_parse.hpp"

#include <charconv>

#include "formats/base64.hpp"
#include "formats/ss_link.hpp"

namespace vpnhub::formats {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "host:port" or "[v6]:port" into the link.
Status ReadHostPort(std::string_view hostport, ParsedProxyLink& out) {
  std::string_view host;
  std::string_view port;
  if (hostport.starts_with('[')) {
    const auto close = hostport.find("]:");
    if (close == std::string_view::npos) return InvalidArgument("bad [host]:port in the link");
    host = hostport.substr(1, close - 1);
    port = hostport.substr(close + 2);
  } else {
    const auto colon = hostport.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument("no port in the link");
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return InvalidArgument("an IPv6 host must be in brackets");
    }
  }
  if (host.empty()) return InvalidArgument("no host in the link");
  int value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
    return InvalidArgument("bad port in the link");
  }
  out.host = std::string(host);
  out.port = value;
  return Status::Ok();
}

Status ReadQuery(std::string_view query, ParsedProxyLink& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    VPNHUB_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      VPNHUB_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    out.query.emplace(std::move(key), std::move(value));
  }
  return Status::Ok();
}

// "method:password" (the password may hold more ':', as SIP022's "SERVER:USER" does).
Status ReadMethodPassword(std::string_view text, ParsedProxyLink& out) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("the ss:// link has no method:password");
  }
  out.method = std::string(text.substr(0, colon));
  out.user = std::string(text.substr(colon + 1));
  return Status::Ok();
}

// The userinfo of a SIP002 link: percent-encoded "method:password" (SIP022, or any link whose
// decoded userinfo already has its ':'), else base64 of it.
Status ReadSsUserinfo(std::string_view userinfo, ParsedProxyLink& out) {
  VPNHUB_ASSIGN_OR_RETURN(std::string plain, PercentDecode(userinfo, false));
  if (plain.find(':') != std::string::npos) return ReadMethodPassword(plain, out);
  const auto decoded = Base64DecodeAny(plain);
  if (!decoded) return InvalidArgument("the ss:// userinfo is neither base64 nor method:password");
  return ReadMethodPassword(*decoded, out);
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return InvalidArgument("a '%' escape is cut short");
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("a '%' escape is not two hex digits");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<ParsedProxyLink> ParseProxyLink(std::string_view link) {
  const auto sep = link.find("://");
  if (sep == std::string_view::npos) return InvalidArgument("not a link (no \"://\")");
  ParsedProxyLink out;
  out.scheme = Lower(link.substr(0, sep));
  if (out.scheme != "ss" && out.scheme != "vless" && out.scheme != "trojan") {
    return InvalidArgument("not an ss://, vless:// or trojan:// link");
  }
  std::string_view rest = link.substr(sep + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    VPNHUB_ASSIGN_OR_RETURN(out.name, PercentDecode(rest.substr(hash + 1), false));
    rest = rest.substr(0, hash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    VPNHUB_RETURN_IF_ERROR(ReadQuery(rest.substr(q + 1), out));
    rest = rest.substr(0, q);
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const auto at = rest.rfind('@');
  if (out.scheme == "ss" && at == std::string_view::npos) {
    // Legacy form: the whole of method:password@host:port in base64.
    const auto decoded = Base64DecodeAny(rest);
    if (!decoded) return InvalidArgument("the ss:// link is neither SIP002 nor legacy base64");
    const auto inner_at = decoded->rfind('@');
    if (inner_at == std::string::npos) return InvalidArgument("no '@' in the ss:// link");
    VPNHUB_RETURN_IF_ERROR(ReadMethodPassword(std::string_view(*decoded).substr(0, inner_at), out));
    VPNHUB_RETURN_IF_ERROR(ReadHostPort(std::string_view(*decoded).substr(inner_at + 1), out));
    return out;
  }
  if (at == std::string_view::npos || at == 0) return InvalidArgument("no user before '@'");
  VPNHUB_RETURN_IF_ERROR(ReadHostPort(rest.substr(at + 1), out));
  if (out.scheme == "ss") {
    VPNHUB_RETURN_IF_ERROR(ReadSsUserinfo(rest.substr(0, at), out));
  } else {
    VPNHUB_ASSIGN_OR_RETURN(out.user, PercentDecode(rest.substr(0, at), false));
  }
  return out;
}

std::string WithLinkName(std::string_view link, std::string_view name) {
  if (name.empty()) return std::string(link);
  std::string out(link.substr(0, link.find('#')));
  out += '#';
  out += PercentEncode(name);
  return out;
}

}  // namespace vpnhub::formats
