#include "app/payment_routes.hpp"

namespace vpnhub::app {
namespace {

constexpr int kWorkers = 4;
constexpr std::size_t kQueued = 2000;

using Kind = usecases::NoticeOutcome::Kind;

http::Response Answer(Kind kind) {
  switch (kind) {
    case Kind::kCredited:
      return http::TextResponse(200, "credited");
    case Kind::kAlreadyCredited:
      return http::TextResponse(200, "already credited");
    case Kind::kMismatch:
    case Kind::kNotFulfilled:
      return http::TextResponse(200, "recorded");
    case Kind::kIgnored:
    case Kind::kUnknownOrder:
      return http::TextResponse(200, "ignored");
    case Kind::kBadSignature:
      return http::TextResponse(401, "bad signature");
    case Kind::kMalformed:
      return http::TextResponse(400, "not a payment notice");
  }
  return http::TextResponse(500, "internal error");
}

}  // namespace

PaymentRoutes::PaymentRoutes(usecases::BillingService& billing, ports::EventLog& log,
                             metrics::Registry& registry, std::function<void()> after_credit)
    : billing_(billing), log_(log), registry_(registry), after_credit_(std::move(after_credit)) {
  pool_ = std::make_unique<WorkPool<Delivery>>(kWorkers, kQueued,
                                               [this](Delivery d) { Handle(std::move(d)); });
}

PaymentRoutes::~PaymentRoutes() { Stop(); }

void PaymentRoutes::Stop() { pool_->Stop(); }

std::vector<std::string> PaymentRoutes::AddTo(http::Router& router,
                                              const payments::PaymentProviders& providers) {
  std::vector<std::string> names;
  for (const std::string& name : providers.Names()) {
    if (!providers.Find(name)->TakesNotices()) continue;
    names.push_back(name);
    for (const char* outcome : {"credited", "replay", "mismatch", "bad_signature"}) {
      registry_.GetCounter("vpnhub_payment_webhooks_total",
                           "Payment providers' webhooks by outcome",
                           {{"provider", name}, {"outcome", outcome}});
    }
    router.AddAsync("POST", "/pay/" + name, [this, name](http::Request req, http::Responder res) {
      if (req.body.size() > kPaymentNoticeLimit) {
        Count(name, "too_large");
        res.Send(http::TextResponse(413, "payload too large"));
        return;
      }
      Delivery d;
      d.provider = name;
      d.notice.body = std::move(req.body);
      d.notice.headers = std::move(req.headers);
      d.notice.content_type = std::string(d.notice.Header("Content-Type"));
      d.notice.remote_ip = std::move(req.remote_ip);
      d.responder = std::make_shared<http::Responder>(res);
      if (!pool_->TryPost(std::move(d))) {
        Count(name, "busy");
        res.Send(http::TextResponse(503, "busy, deliver again later"));
      }
    });
  }
  return names;
}

void PaymentRoutes::Handle(Delivery d) {
  auto outcome = billing_.ReceiveNotice(d.provider, d.notice);
  if (!outcome.ok()) {
    Count(d.provider, "unavailable");
    log_.Warn("payments.notice_not_handled",
              {{"provider", d.provider}, {"error", outcome.status().ToString()}});
    d.responder->Send(http::TextResponse(503, "not handled, deliver again later"));
    return;
  }
  const std::string name = usecases::NoticeOutcomeName(outcome->kind);
  Count(d.provider, name);
  d.responder->Send(Answer(outcome->kind));
  switch (outcome->kind) {
    case Kind::kBadSignature:
    case Kind::kMalformed:
      if (long left_out = 0; ShouldLog(d.provider, &left_out)) {
        log_.Warn("payments.notice_refused", {{"provider", d.provider},
                                              {"outcome", name},
                                              {"from", d.notice.remote_ip},
                                              {"detail", outcome->detail},
                                              {"left_out_before", left_out}});
      }
      break;
    case Kind::kUnknownOrder:
      log_.Warn(
          "payments.unknown_order",
          {{"provider", d.provider}, {"order", outcome->order_id}, {"detail", outcome->detail}});
      break;
    case Kind::kIgnored:
      log_.Info("payments.notice_ignored", {{"provider", d.provider}, {"detail", outcome->detail}});
      break;
    default:
      log_.Info("payments.notice", {{"provider", d.provider},
                                    {"outcome", name},
                                    {"order", outcome->order_id},
                                    {"payment", outcome->payment_id},
                                    {"detail", outcome->detail}});
      break;
  }
  if (outcome->kind == Kind::kCredited && after_credit_) after_credit_();
}

void PaymentRoutes::Count(const std::string& provider, const std::string& outcome) {
  registry_
      .GetCounter("vpnhub_payment_webhooks_total", "Payment providers' webhooks by outcome",
                  {{"provider", provider}, {"outcome", outcome}})
      .Inc();
}

bool PaymentRoutes::ShouldLog(const std::string& provider, long* left_out) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(log_mu_);
  auto& [last, skipped] = log_times_[provider];
  if (now - last < std::chrono::seconds(1)) {
    ++skipped;
    return false;
  }
  last = now;
  *left_out = skipped;
  skipped = 0;
  return true;
}

}  // namespace vpnhub::app
