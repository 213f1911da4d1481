// STAND-IN on branch issue18-serve, to be replaced by branch issue18-formats' subscription.cpp
// when merging: only the base64 and plain URI lists and the WireGuard .conf are rendered here;
// clash, singbox and outline answer kUnimplemented. The header is issue18-formats' own.
#include "formats/subscription.hpp"

#include <algorithm>
#include <cctype>

namespace vpnhub::formats {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string UriList(const std::vector<SubscriptionEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (e.link.empty()) continue;
    out += e.link;
    out += '\n';
  }
  return out;
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
  const std::string v = Lower(value);
  if (v == "base64" || v == "v2ray") return SubscriptionFormat::kBase64;
  if (v == "plain" || v == "raw") return SubscriptionFormat::kPlain;
  if (v == "clash" || v == "mihomo" || v == "meta") return SubscriptionFormat::kClash;
  if (v == "singbox" || v == "sing-box") return SubscriptionFormat::kSingBox;
  if (v == "outline" || v == "ssconf") return SubscriptionFormat::kOutline;
  if (v == "wireguard" || v == "wg") return SubscriptionFormat::kWireGuard;
  return std::nullopt;
}

SubscriptionFormat SubscriptionFormatForUserAgent(std::string_view user_agent) {
  const std::string ua = Lower(user_agent);
  if (ua.find("clash") != std::string::npos || ua.find("mihomo") != std::string::npos) {
    return SubscriptionFormat::kClash;
  }
  if (ua.find("sing-box") != std::string::npos || ua.find("sfi") == 0 || ua.find("sfa") == 0) {
    return SubscriptionFormat::kSingBox;
  }
  return SubscriptionFormat::kBase64;
}

Result<SubscriptionDocument> RenderSubscription(SubscriptionFormat format,
                                                const std::vector<SubscriptionEntry>& entries) {
  SubscriptionDocument doc;
  switch (format) {
    case SubscriptionFormat::kBase64:
      doc.content_type = "text/plain; charset=utf-8";
      doc.body = Base64(UriList(entries));
      doc.file_extension = "txt";
      return doc;
    case SubscriptionFormat::kPlain:
      doc.content_type = "text/plain; charset=utf-8";
      doc.body = UriList(entries);
      doc.file_extension = "txt";
      return doc;
    case SubscriptionFormat::kWireGuard:
      for (const auto& e : entries) {
        if (e.conf.empty()) continue;
        doc.content_type = "text/plain; charset=utf-8";
        doc.body = e.conf;
        doc.file_extension = "conf";
        return doc;
      }
      return NotFound("no WireGuard key in this subscription");
    default:
      return FailedPrecondition(std::string("subscription format ") +
                                SubscriptionFormatName(format) +
                                " is not rendered by this stand-in");
  }
}

}  // namespace vpnhub::formats
