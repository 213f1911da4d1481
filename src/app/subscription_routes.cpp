#include "app/subscription_routes.hpp"

#include <openssl/evp.h>

#include <optional>
#include <string_view>

namespace vpnhub::app {
namespace {

constexpr std::string_view kPrefix = "/sub/";

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

// The value of `name` in a query string ("a=1&format=clash"), as sent; nullopt when absent.
std::optional<std::string_view> QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    const auto eq = part.find('=');
    if (part.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// A file name of ASCII letters, digits, '.', '-' and '_' made from NAME.
std::string FileStem(const std::string& title) {
  std::string out;
  for (char c : title) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += c;
    } else if (c == ' ' && !out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  return out.empty() ? "subscription" : out;
}

// If-None-Match: "*" or a list of (possibly weak) entity tags.
bool EtagMatches(std::string_view header, const std::string& etag) {
  if (header.empty()) return false;
  if (header == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

http::Response NotFoundResponse() { return http::TextResponse(404, "not found\n"); }

}  // namespace

SubscriptionRoutes::SubscriptionRoutes(subscription::Service& service, metrics::Registry& registry,
                                       SubscriptionRouteOptions options)
    : service_(service), registry_(registry), options_(std::move(options)) {
  title_header_ = "base64:" + Base64(options_.title);
  for (const char* outcome : {"hit", "miss", "not_modified", "not_found", "busy", "unavailable"}) {
    counters_[outcome] =
        &registry_.GetCounter("vpnhub_subscription_fetches_total",
                              "Subscription fetches by outcome", {{"outcome", outcome}});
  }
  pool_ = std::make_unique<WorkPool<Miss>>(options_.workers, options_.queued, [this](Miss m) {
    auto answer = service_.Load(m.token, m.format);
    if (!answer.ok()) {
      Count("unavailable");
      m.responder->Send(http::TextResponse(503, "unavailable, try again later\n"));
      return;
    }
    if (answer->kind != subscription::Answer::Kind::kDocument) Count("not_found");
    m.responder->Send(Respond(*answer, m.if_none_match));
  });
}

SubscriptionRoutes::~SubscriptionRoutes() { Stop(); }

Status SubscriptionRoutes::Start() { return service_.Start(); }

void SubscriptionRoutes::Stop() {
  pool_->Stop();
  service_.Stop();
}

void SubscriptionRoutes::Count(std::string_view outcome) {
  if (auto it = counters_.find(outcome); it != counters_.end()) it->second->Inc();
}

http::Response SubscriptionRoutes::Respond(const subscription::Answer& answer,
                                           std::string_view if_none_match) const {
  if (answer.kind != subscription::Answer::Kind::kDocument || answer.document->status != 200) {
    return NotFoundResponse();
  }
  const subscription::Document& d = *answer.document;
  const subscription::Page& p = *answer.page;
  http::Response r;
  r.headers.reserve(8);
  r.headers.emplace_back("ETag", d.etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("subscription-userinfo",
                         "upload=0; download=0; total=" + std::to_string(p.total_bytes) +
                             "; expire=" + std::to_string(p.expire_unix));
  r.headers.emplace_back("profile-update-interval", std::to_string(options_.update_hours));
  r.headers.emplace_back("profile-title", title_header_);
  r.headers.emplace_back(
      "content-disposition",
      "attachment; filename=\"" + FileStem(options_.title) + "." + d.doc.file_extension + "\"");
  if (!options_.support_url.empty()) r.headers.emplace_back("support-url", options_.support_url);
  if (EtagMatches(if_none_match, d.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.content_type = d.doc.content_type;
  r.body = d.doc.body;
  return r;
}

void SubscriptionRoutes::AddTo(http::Router& router) {
  router.AddAsync("GET", std::string(kPrefix) + "*",
                  [this](http::Request req, http::Responder res) {
                    std::string_view token(req.path);
                    token.remove_prefix(kPrefix.size());
                    auto format = formats::SubscriptionFormatForUserAgent(req.Header("User-Agent"));
                    if (auto value = QueryValue(req.query, "format")) {
                      auto parsed = formats::ParseSubscriptionFormat(*value);
                      if (!parsed) {
                        res.Send(http::TextResponse(400, "unknown format\n"));
                        return;
                      }
                      format = *parsed;
                    }
                    if (auto cached = service_.FromCache(token, format)) {
                      if (cached->kind != subscription::Answer::Kind::kDocument) {
                        Count("not_found");
                        res.Send(NotFoundResponse());
                        return;
                      }
                      http::Response r = Respond(*cached, req.Header("If-None-Match"));
                      Count(r.status == 304 ? "not_modified" : "hit");
                      res.Send(std::move(r));
                      return;
                    }
                    Miss m;
                    m.token = std::string(token);
                    m.format = format;
                    m.if_none_match = std::string(req.Header("If-None-Match"));
                    m.responder = std::make_shared<http::Responder>(res);
                    Count("miss");
                    if (!pool_->TryPost(std::move(m))) {
                      Count("busy");
                      res.Send(http::TextResponse(503, "busy, try again later\n"));
                    }
                  });
}

}  // namespace vpnhub::app
