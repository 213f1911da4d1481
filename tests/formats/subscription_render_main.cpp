// Not a test: renders one subscription document for subscription_check.py, which needs documents
// pointing at servers it starts on ephemeral ports. Reads from stdin
//   {"format": "clash", "entries": [ENTRY...]}
// where an ENTRY is {"name": ..., and one of
//   "link": "<as given>",
//   "ss": {"method", "password", "host", "port"}                   (formats::ShadowsocksLink)
//   "outline": "<access URL>"                                       (formats::OutlineAccessLink)
//   "vless" | "trojan": {"secret", "host", "port", "network", "security", "sni", "path",
//                        "host_header", "alpn", "fp"}               (formats::VlessLink/TrojanLink)
//   "conf": "<.conf text>"}
// and writes {"content_type", "file_extension", "body"} to stdout; on failure, the status on
// stderr and exit code 3 (kNotFound) or 2 (anything else).
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/outline_link.hpp"
#include "formats/proxy_links.hpp"
#include "formats/ss_link.hpp"
#include "formats/subscription.hpp"

namespace {

using nlohmann::json;
using vpnhub::formats::SubscriptionEntry;

vpnhub::formats::ProxyStream StreamOf(const json& j) {
  vpnhub::formats::ProxyStream s;
  s.network = j.value("network", "tcp");
  s.security = j.value("security", "none");
  s.sni = j.value("sni", "");
  s.path = j.value("path", "");
  s.host = j.value("host_header", "");
  s.alpn = j.value("alpn", "");
  s.fp = j.value("fp", "");
  return s;
}

SubscriptionEntry EntryOf(const json& j) {
  SubscriptionEntry e;
  e.name = j.value("name", "");
  if (j.contains("link")) {
    e.link = j["link"].get<std::string>();
  } else if (j.contains("ss")) {
    const json& s = j["ss"];
    e.link = vpnhub::formats::ShadowsocksLink(
        s["method"].get<std::string>(), s["password"].get<std::string>(),
        s["host"].get<std::string>(), s["port"].get<int>(), e.name);
  } else if (j.contains("outline")) {
    auto link = vpnhub::formats::OutlineAccessLink(j["outline"].get<std::string>(), e.name);
    if (!link.ok()) throw std::runtime_error(link.status().ToString());
    e.link = *link;
  } else if (j.contains("vless") || j.contains("trojan")) {
    const bool vless = j.contains("vless");
    const json& v = vless ? j["vless"] : j["trojan"];
    const auto secret = v["secret"].get<std::string>();
    const auto host = v["host"].get<std::string>();
    const int port = v["port"].get<int>();
    e.link = vless ? vpnhub::formats::VlessLink(secret, host, port, StreamOf(v), e.name)
                   : vpnhub::formats::TrojanLink(secret, host, port, StreamOf(v), e.name);
  }
  e.conf = j.value("conf", "");
  return e;
}

}  // namespace

int main() {
  try {
    const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
    const auto format = vpnhub::formats::ParseSubscriptionFormat(in["format"].get<std::string>());
    if (!format) {
      std::cerr << "unknown format\n";
      return 2;
    }
    std::vector<SubscriptionEntry> entries;
    for (const json& e : in["entries"]) entries.push_back(EntryOf(e));
    auto doc = vpnhub::formats::RenderSubscription(*format, entries);
    if (!doc.ok()) {
      std::cerr << doc.status().ToString() << "\n";
      return doc.status().code() == vpnhub::StatusCode::kNotFound ? 3 : 2;
    }
    std::cout << json{{"content_type", doc->content_type},
                      {"file_extension", doc->file_extension},
                      {"body", doc->body}}
                     .dump()
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "subscription_render: " << e.what() << "\n";
    return 2;
  }
}
