#pragma once
// A payment provider named "stars" (XTR) that records invoices and refunds; fails refunds when
// told.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/billing.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/usecases/billing_service.hpp"

namespace vpnhub::fakes {

// Records invoices and refunds; fails them when told.
class FakeProvider : public ports::PaymentProvider {
 public:
  std::string Name() const override { return "stars"; }
  std::string Currency() const override { return kStarsCurrency; }
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override {
    std::lock_guard lock(mu);
    invoices.push_back({order, texts});
    return ports::InvoiceRequest{};
  }
  Status Refund(const Payment& payment, TgId payer) override {
    std::lock_guard lock(mu);
    if (!refund_status.ok()) return refund_status;
    refunds.push_back({payment.id, payer});
    return Status::Ok();
  }

  std::mutex mu;
  std::vector<std::pair<Order, ports::InvoiceTexts>> invoices;
  std::vector<std::pair<Id, TgId>> refunds;
  Status refund_status;
};

// What the bot asks for a new key of `months` in `location_id`, paid through the fake provider.
inline usecases::OrderRequest NewKeyRequest(TgId tg, Id location_id, int months,
                                            std::string promo = "") {
  usecases::OrderRequest r;
  r.tg_id = tg;
  r.kind = OrderKind::kNewKey;
  r.location_id = location_id;
  r.months = months;
  r.provider = "stars";
  r.promo_code = std::move(promo);
  return r;
}

// The fake provider's confirmation of `order` paid in full as payment `charge` by `payer` (0: the
// provider did not say who paid).
inline ports::PaymentConfirmation PaidInFull(const Order& order, const std::string& charge,
                                             TgId payer = 0) {
  ports::PaymentConfirmation c;
  c.provider = "stars";
  c.provider_payment_id = charge;
  c.order_id = order.id;
  c.payer_tg_id = payer;
  c.amount = order.amount;
  c.currency = order.currency;
  return c;
}

}  // namespace vpnhub::fakes
