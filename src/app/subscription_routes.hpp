#pragma once
// GET /sub/<token>: a person's subscription (issue 18) on the HTTP role. A cached page is answered
// on the io thread (no database read); a miss goes to a small pool of worker threads, which read
// the store (subscription::Service::Load). Answers: 200 the document in the format of ?format=
// or else of the User-Agent, with the headers client apps read; 304 when If-None-Match carries
// the ETag; 404 (always the same text) for a malformed, forged, rotated or unknown token, or a
// format with nothing for the person's keys; 400 an unknown ?format=; 503 when the store cannot
// be read or the workers are full. The token is never logged (the HTTP metrics and logs name the
// route "/sub/*", never the path).
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "app/work_pool.hpp"
#include "core/ports/event_log.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "subscription/service.hpp"

namespace vpnhub::app {

struct SubscriptionRouteOptions {
  std::string title;          // profile-title (NAME)
  std::string support_url;    // support-url header; "" = none
  int update_hours = 12;      // profile-update-interval
  int workers = 4;            // threads reading the store on a miss
  std::size_t queued = 4096;  // misses waiting beyond this: 503
};

class SubscriptionRoutes {
 public:
  // `service` and `registry` must outlive the routes.
  SubscriptionRoutes(subscription::Service& service, metrics::Registry& registry,
                     SubscriptionRouteOptions options);
  ~SubscriptionRoutes();  // Stop()s

  void AddTo(http::Router& router);
  // Starts the service's change-feed poller.
  Status Start();
  // Answers what is queued, joins the workers, stops the poller (after the HTTP server stopped).
  void Stop();

 private:
  struct Miss {
    std::string token;
    formats::SubscriptionFormat format = formats::SubscriptionFormat::kBase64;
    std::string if_none_match;
    std::shared_ptr<http::Responder> responder;
  };
  http::Response Respond(const subscription::Answer& answer, std::string_view if_none_match) const;
  void Count(std::string_view outcome);

  subscription::Service& service_;
  metrics::Registry& registry_;
  SubscriptionRouteOptions options_;
  std::string title_header_;
  std::map<std::string_view, metrics::Counter*> counters_;  // by outcome; built once
  std::unique_ptr<WorkPool<Miss>> pool_;
};

}  // namespace vpnhub::app
