#pragma once
// A payment provider counted: wraps every provider BuildPaymentProviders makes when a metrics
// registry is given, so each provider's invoices are counted the same way without code of its
// own: vpnhub_payment_invoices_total{provider,outcome} (created, unavailable, refused).
#include <memory>
#include <string>

#include "core/ports/payment_provider.hpp"
#include "metrics/fwd.hpp"

namespace vpnhub::payments {

class MeteredProvider final : public ports::PaymentProvider {
 public:
  MeteredProvider(std::unique_ptr<ports::PaymentProvider> inner, metrics::Registry& registry);

  std::string Name() const override { return inner_->Name(); }
  std::string Label() const override { return inner_->Label(); }
  std::string Currency() const override { return inner_->Currency(); }
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  Status Refund(const Payment& payment, TgId payer_tg_id) override {
    return inner_->Refund(payment, payer_tg_id);
  }
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override {
    return inner_->ReadNotice(notice);
  }
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override {
    return inner_->CheckOrder(order);
  }
  bool TakesNotices() const override { return inner_->TakesNotices(); }

 private:
  std::unique_ptr<ports::PaymentProvider> inner_;
  metrics::Counter& created_;
  metrics::Counter& unavailable_;
  metrics::Counter& refused_;
};

}  // namespace vpnhub::payments
