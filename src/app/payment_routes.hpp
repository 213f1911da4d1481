#pragma once
// POST /pay/<provider>: the webhooks of the payment providers over HTTP, on the HTTP role. The
// route runs on an io thread and only hands the delivery to a small pool of worker threads, where
// the provider reads and authenticates it (it may call the provider's API) and the core credits
// it (BillingService::ReceiveNotice). Answers: 200 "credited" / "already credited" / "recorded"
// (a mismatch) / "ignored" (another status, an unknown order), 401 a bad signature, 400 not the
// provider's notice, 413 over 64 KB, 503 when the provider's API or the store is down or the
// workers are full (the provider delivers again).
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "app/work_pool.hpp"
#include "core/ports/event_log.hpp"
#include "core/usecases/billing_service.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "payments/factory.hpp"

namespace vpnhub::app {

inline constexpr std::size_t kPaymentNoticeLimit = 64 * 1024;

class PaymentRoutes {
 public:
  // Everything must outlive the routes; `after_credit` runs on a worker thread after a notice
  // credited an order (it committed a provisioning task: wake the queue).
  PaymentRoutes(usecases::BillingService& billing, ports::EventLog& log,
                metrics::Registry& registry, std::function<void()> after_credit);
  ~PaymentRoutes();  // Stop()s

  // POST /pay/<name> for every provider in `providers` that takes notices. Returns the names.
  std::vector<std::string> AddTo(http::Router& router, const payments::PaymentProviders& providers);
  // Answers what is queued, then joins the workers (after the HTTP server stopped).
  void Stop();

 private:
  struct Delivery {
    std::string provider;
    ports::PaymentNotice notice;
    std::shared_ptr<http::Responder> responder;
  };
  void Handle(Delivery delivery);
  void Count(const std::string& provider, const std::string& outcome);
  // At most one line per provider and second for the outcomes a flood would repeat (forged,
  // malformed); the lines left out are counted in the next one (`left_out`).
  bool ShouldLog(const std::string& provider, long* left_out);

  usecases::BillingService& billing_;
  ports::EventLog& log_;
  metrics::Registry& registry_;
  std::function<void()> after_credit_;
  std::mutex log_mu_;
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, long>> log_times_;
  std::unique_ptr<WorkPool<Delivery>> pool_;
};

}  // namespace vpnhub::app
