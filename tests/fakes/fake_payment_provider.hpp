#pragma once
// A payment provider named "stars" (XTR) that records invoices and refunds; fails refunds when
// told.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/billing.hpp"
#include "core/ports/payment_provider.hpp"

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

}  // namespace vpnhub::fakes
