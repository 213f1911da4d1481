#pragma once
// What the subscription renderers (subscription.cpp, subscription_clash.cpp,
// subscription_singbox.cpp) share. Not for use outside src/formats.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "formats/proxy_link_parse.hpp"
#include "formats/subscription.hpp"

namespace vpnhub::formats::subscription_internal {

// Names a client shows, made unique within one document: a name seen before gets " 2", " 3"...
class UniqueNames {
 public:
  // `wanted`, or when taken the first free "wanted N" (N = 2, 3, ...); an empty name is "proxy".
  std::string Take(std::string_view wanted);

 private:
  std::set<std::string> used_;
};

// The entry's name, else the link's own #name, else "".
std::string EntryName(const SubscriptionEntry& entry, const ParsedProxyLink& link);

// The stream settings of a vless:// or trojan:// link as Clash and sing-box can express them:
// network tcp (without the HTTP header disguise), ws or grpc; security none, tls or reality
// (REALITY with a public key); `ok` is false for anything else.
struct LinkStream {
  bool ok = false;
  std::string network;   // tcp, ws, grpc
  std::string security;  // none, tls, reality
  std::string sni, fp, pbk, sid, path, host, service_name, flow;
  std::vector<std::string> alpn;
};
LinkStream ReadLinkStream(const ParsedProxyLink& link);

// Whether an ss:// link is fully described by server, port, method and password (no SIP003
// plugin, which neither a Clash ss proxy nor ss-local could be told about here).
bool IsPlainShadowsocks(const ParsedProxyLink& link);

Result<SubscriptionDocument> RenderClash(const std::vector<SubscriptionEntry>& entries);
Result<SubscriptionDocument> RenderSingBox(const std::vector<SubscriptionEntry>& entries);

}  // namespace vpnhub::formats::subscription_internal
