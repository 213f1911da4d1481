#include "formats/subscription.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "formats/base64.hpp"
#include "formats/proxy_link_parse.hpp"
#include "formats/subscription_internal.hpp"

namespace vpnhub::formats {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr char kTextType[] = "text/plain; charset=utf-8";

// A link a URI-list client imports as a proxy: one line of printable ASCII "scheme://...", not a
// web address (a panel's subscription URL) and not an Outline dynamic key (ssconf://), which
// those clients do not read.
bool IsListableLink(std::string_view link) {
  // The #fragment is replaced by the entry's name (ListedLink): only what precedes it counts.
  link = link.substr(0, link.find('#'));
  const auto sep = link.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (char c : link) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  const std::string scheme = Lower(link.substr(0, sep));
  return scheme != "http" && scheme != "https" && scheme != "ssconf";
}

// vmess:// carries its name inside its base64 JSON, not in a #fragment: left as it is.
std::string ListedLink(const SubscriptionEntry& entry) {
  if (Lower(entry.link.substr(0, 8)) == "vmess://") return entry.link;
  return WithLinkName(entry.link, entry.name);
}

std::vector<std::string> ListedLinks(const std::vector<SubscriptionEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    if (IsListableLink(e.link)) out.push_back(ListedLink(e));
  }
  return out;
}

Result<SubscriptionDocument> RenderUriList(const std::vector<SubscriptionEntry>& entries,
                                           bool base64) {
  const std::vector<std::string> links = ListedLinks(entries);
  if (links.empty()) return NotFound("no entry has a link a URI-list client reads");
  std::string list;
  for (const auto& l : links) {
    if (!list.empty()) list += '\n';
    list += l;
  }
  if (base64) return SubscriptionDocument{kTextType, Base64Std(list), "txt"};
  list += '\n';
  return SubscriptionDocument{kTextType, std::move(list), "txt"};
}

Result<SubscriptionDocument> RenderOutline(const std::vector<SubscriptionEntry>& entries) {
  for (const auto& e : entries) {
    auto parsed = ParseProxyLink(e.link);
    if (!parsed.ok() || parsed->scheme != "ss" ||
        !subscription_internal::IsPlainShadowsocks(*parsed)) {
      continue;
    }
    nlohmann::ordered_json key = {{"server", parsed->host},
                                  {"server_port", parsed->port},
                                  {"password", parsed->user},
                                  {"method", parsed->method}};
    // Outline's connection prefix (its access URLs' "prefix" parameter) is a field of its
    // dynamic key too.
    if (auto p = parsed->query.find("prefix"); p != parsed->query.end() && !p->second.empty()) {
      key["prefix"] = p->second;
    }
    // A byte that is not UTF-8 (in a password) becomes U+FFFD instead of an exception.
    return SubscriptionDocument{
        "application/json",
        key.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "json"};
  }
  return NotFound("no Shadowsocks entry for an Outline dynamic key");
}

Result<SubscriptionDocument> RenderWireGuard(const std::vector<SubscriptionEntry>& entries) {
  for (const auto& e : entries) {
    if (e.conf.empty()) continue;
    std::string body = e.conf;
    if (!body.ends_with('\n')) body += '\n';
    return SubscriptionDocument{kTextType, std::move(body), "conf"};
  }
  return NotFound("no WireGuard entry");
}

struct UaRule {
  const char* needle;  // lower case
  SubscriptionFormat format;
};

// First match wins. The URI-list apps come first: Hiddify's User-Agent also names ClashMeta and
// sing-box ("HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box").
constexpr UaRule kUaRules[] = {
    {"hiddify", SubscriptionFormat::kBase64},
    {"v2rayn", SubscriptionFormat::kBase64},  // v2rayN and v2rayNG
    {"streisand", SubscriptionFormat::kBase64},
    {"shadowrocket", SubscriptionFormat::kBase64},
    {"sing-box", SubscriptionFormat::kSingBox},
    {"sfa/", SubscriptionFormat::kSingBox},  // sing-box for Android
    {"sfi/", SubscriptionFormat::kSingBox},  // for iOS
    {"sfm/", SubscriptionFormat::kSingBox},  // for macOS
    {"clash", SubscriptionFormat::kClash},   // clash-verge, ClashMeta..., clash.meta (mihomo)
    {"mihomo", SubscriptionFormat::kClash},
    {"stash", SubscriptionFormat::kClash},
    {"outline", SubscriptionFormat::kOutline},
};

Result<SubscriptionDocument> RenderIn(SubscriptionFormat format,
                                      const std::vector<SubscriptionEntry>& entries) {
  switch (format) {
    case SubscriptionFormat::kBase64:
      return RenderUriList(entries, true);
    case SubscriptionFormat::kPlain:
      return RenderUriList(entries, false);
    case SubscriptionFormat::kClash:
      return subscription_internal::RenderClash(entries);
    case SubscriptionFormat::kSingBox:
      return subscription_internal::RenderSingBox(entries);
    case SubscriptionFormat::kOutline:
      return RenderOutline(entries);
    case SubscriptionFormat::kWireGuard:
      return RenderWireGuard(entries);
  }
  return InvalidArgument("unknown subscription format");
}

}  // namespace

const char* SubscriptionFormatName(SubscriptionFormat format) {
  switch (format) {
    case SubscriptionFormat::kBase64:
      return "base64";
    case SubscriptionFormat::kPlain:
      return "plain";
    case SubscriptionFormat::kClash:
      return "clash";
    case SubscriptionFormat::kSingBox:
      return "singbox";
    case SubscriptionFormat::kOutline:
      return "outline";
    case SubscriptionFormat::kWireGuard:
      return "wireguard";
  }
  return "base64";
}

std::optional<SubscriptionFormat> ParseSubscriptionFormat(std::string_view value) {
  static constexpr std::pair<const char*, SubscriptionFormat> kNames[] = {
      {"base64", SubscriptionFormat::kBase64},    {"v2ray", SubscriptionFormat::kBase64},
      {"plain", SubscriptionFormat::kPlain},      {"raw", SubscriptionFormat::kPlain},
      {"clash", SubscriptionFormat::kClash},      {"mihomo", SubscriptionFormat::kClash},
      {"meta", SubscriptionFormat::kClash},       {"singbox", SubscriptionFormat::kSingBox},
      {"sing-box", SubscriptionFormat::kSingBox}, {"outline", SubscriptionFormat::kOutline},
      {"ssconf", SubscriptionFormat::kOutline},   {"wireguard", SubscriptionFormat::kWireGuard},
      {"wg", SubscriptionFormat::kWireGuard},
  };
  const std::string v = Lower(value);
  for (const auto& [name, format] : kNames) {
    if (v == name) return format;
  }
  return std::nullopt;
}

SubscriptionFormat SubscriptionFormatForUserAgent(std::string_view user_agent) {
  const std::string ua = Lower(user_agent);
  for (const auto& rule : kUaRules) {
    if (ua.find(rule.needle) != std::string::npos) return rule.format;
  }
  return SubscriptionFormat::kBase64;
}

Result<SubscriptionDocument> RenderSubscription(SubscriptionFormat format,
                                                const std::vector<SubscriptionEntry>& entries) {
  // yaml-cpp and nlohmann::json report some failures by exception (memory); callers get a Status.
  try {
    return RenderIn(format, entries);
  } catch (const std::exception& e) {
    return Internal(std::string("rendering the ") + SubscriptionFormatName(format) +
                    " subscription: " + e.what());
  }
}

namespace subscription_internal {

std::string UniqueNames::Take(std::string_view wanted) {
  const std::string base = wanted.empty() ? std::string("proxy") : std::string(wanted);
  std::string name = base;
  for (int n = 2; used_.count(name) != 0; ++n) name = base + " " + std::to_string(n);
  used_.insert(name);
  return name;
}

std::string EntryName(const SubscriptionEntry& entry, const ParsedProxyLink& link) {
  return entry.name.empty() ? link.name : entry.name;
}

bool IsPlainShadowsocks(const ParsedProxyLink& link) {
  return link.scheme == "ss" && link.query.count("plugin") == 0;
}

LinkStream ReadLinkStream(const ParsedProxyLink& link) {
  auto get = [&](const char* key) {
    auto it = link.query.find(key);
    return it == link.query.end() ? std::string() : it->second;
  };
  LinkStream s;
  s.network = get("type").empty() ? "tcp" : Lower(get("type"));
  if (s.network == "raw") s.network = "tcp";  // Xray 24.9 renamed its tcp transport "raw"
  s.security = get("security").empty() ? "none" : Lower(get("security"));
  s.sni = get("sni");
  s.fp = get("fp");
  s.pbk = get("pbk");
  s.sid = get("sid");
  s.path = get("path");
  s.host = get("host");
  s.service_name = get("serviceName");
  s.flow = get("flow");
  const std::string alpn = get("alpn");
  for (std::string_view rest = alpn; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (!item.empty()) s.alpn.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  const bool network_ok = s.network == "ws" || s.network == "grpc" ||
                          (s.network == "tcp" && get("headerType").empty()) ||
                          (s.network == "tcp" && get("headerType") == "none");
  const bool security_ok =
      s.security == "none" || s.security == "tls" || (s.security == "reality" && !s.pbk.empty());
  const std::string encryption = get("encryption");
  s.ok = network_ok && security_ok && (encryption.empty() || encryption == "none");
  // XTLS Vision runs over raw TCP with TLS or REALITY only.
  if (s.network != "tcp" || s.security == "none") s.flow.clear();
  return s;
}

}  // namespace subscription_internal
}  // namespace vpnhub::formats
