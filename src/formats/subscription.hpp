#pragma once
// Subscription documents: one person's keys in the format a VPN client app polls for (base64 or
// plain URI list, Clash Meta / Mihomo YAML, sing-box JSON, an Outline dynamic key, a WireGuard
// .conf). Pure functions, no I/O; safe from any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::formats {

// One of a person's keys as the subscription lists it.
struct SubscriptionEntry {
  std::string name;  // what the client shows: "<NAME> | <location>" (built by the caller)
  std::string
      link;  // ss:// vless:// trojan:// (as our kinds deliver them); empty for a conf-only key
  std::string conf;  // WireGuard/AmneziaWG .conf text; empty when none
};

enum class SubscriptionFormat { kBase64, kPlain, kClash, kSingBox, kOutline, kWireGuard };

// "base64", "plain", "clash", "singbox", "outline", "wireguard".
const char* SubscriptionFormatName(SubscriptionFormat format);

// The ?format= value, case-insensitive, with aliases: "base64"/"v2ray", "plain"/"raw",
// "clash"/"mihomo"/"meta", "singbox"/"sing-box", "outline"/"ssconf", "wireguard"/"wg".
// nullopt for anything else.
std::optional<SubscriptionFormat> ParseSubscriptionFormat(std::string_view value);

// The format a client app reads, from its User-Agent (case-insensitive substring rules); kBase64
// when no rule matches.
SubscriptionFormat SubscriptionFormatForUserAgent(std::string_view user_agent);

struct SubscriptionDocument {
  std::string content_type;
  std::string body;
  std::string file_extension;  // "txt", "yaml", "json", "conf"
};

// The document for `entries` in `format`, the entries in their order:
//  - kBase64 ("text/plain; charset=utf-8", "txt"): standard base64 (RFC 4648 section 4, padded) of
//    the kPlain lines joined by "\n", without a final newline.
//  - kPlain (same type): one link per line, each ending in "\n", its #fragment replaced by the
//    entry's name (percent-encoded; vmess:// keeps its own, inside its JSON). Left out: entries
//    without a link (a WireGuard .conf has no URI a major client reads), web addresses
//    (http/https: a panel's subscription URL), Outline dynamic keys (ssconf://) and links with
//    spaces, control or non-ASCII characters.
//  - kClash ("text/yaml; charset=utf-8", "yaml"): Mihomo YAML, `proxies` (ss; vless and trojan
//    over tcp/ws/grpc with tls or reality; wireguard from a .conf, AmneziaWG 1.x as
//    amnezia-wg-option), one `select` group "PROXY" of them all, `rules: [MATCH,PROXY]`. Names
//    are unique (a repeat gets " 2", " 3", ...; Mihomo's built-in policy names are never used).
//  - kSingBox ("application/json; charset=utf-8", "json"): `outbounds` (shadowsocks, vless,
//    trojan with tls/reality/transport), `endpoints` (plain WireGuard; AmneziaWG left out, which
//    upstream sing-box does not speak), `route.final` = the first of them; unique tags.
//  - kOutline ("application/json", "json"): {"server","server_port","password","method"} (and
//    Outline's "prefix" when its access URL has one) of the first ss:// entry without a plugin.
//  - kWireGuard ("text/plain; charset=utf-8", "conf"): the first entry's .conf, as given, with a
//    final newline.
// Entries a format cannot describe (a link that does not parse, vmess:// in Clash and sing-box,
// an unsupported transport, an ss:// plugin) are left out of that format. kNotFound when nothing
// is left: no entries at all, outline with no ss entry, wireguard with no .conf, ...
Result<SubscriptionDocument> RenderSubscription(SubscriptionFormat format,
                                                const std::vector<SubscriptionEntry>& entries);

}  // namespace vpnhub::formats
