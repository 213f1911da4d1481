#include "payments/metered_provider.hpp"

#include "metrics/registry.hpp"

namespace vpnhub::payments {
namespace {

metrics::Counter& Invoices(metrics::Registry& r, const std::string& provider, const char* outcome) {
  return r.GetCounter("vpnhub_payment_invoices_total",
                      "Invoices asked of payment providers by outcome (created; unavailable: the "
                      "provider could not be reached, the person may try again; refused)",
                      {{"provider", provider}, {"outcome", outcome}});
}

}  // namespace

MeteredProvider::MeteredProvider(std::unique_ptr<ports::PaymentProvider> inner,
                                 metrics::Registry& registry)
    : inner_(std::move(inner)),
      created_(Invoices(registry, inner_->Name(), "created")),
      unavailable_(Invoices(registry, inner_->Name(), "unavailable")),
      refused_(Invoices(registry, inner_->Name(), "refused")) {}

Result<ports::InvoiceRequest> MeteredProvider::CreateInvoice(const Order& order,
                                                             const ports::InvoiceTexts& texts) {
  auto invoice = inner_->CreateInvoice(order, texts);
  if (invoice.ok()) {
    created_.Inc();
  } else if (invoice.status().code() == StatusCode::kUnavailable ||
             invoice.status().code() == StatusCode::kDeadlineExceeded) {
    unavailable_.Inc();
  } else {
    refused_.Inc();
  }
  return invoice;
}

}  // namespace vpnhub::payments
