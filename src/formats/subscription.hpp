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

// The document for `entries` in `format`. kNotFound when the format has nothing to show for these
// entries (e.g. outline with no ss entry).
Result<SubscriptionDocument> RenderSubscription(SubscriptionFormat format,
                                                const std::vector<SubscriptionEntry>& entries);

}  // namespace vpnhub::formats
