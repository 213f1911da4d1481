#pragma once
// The payment-provider port: one implementation per provider under src/payments/<name>/, built by
// the factory in src/payments/ from configuration. A provider is offered to people only when its
// configuration is complete. The core never trusts what a provider, a button or a person says
// about an amount: BillingService compares every confirmation with the order it names.
#include <cstdint>
#include <string>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// How the person is asked to pay for an order.
struct InvoiceRequest {
  enum class Via {
    kTelegramInvoice,  // a Bot API invoice message (Stars): enqueued as a kInvoice message
    kPaymentLink,      // a URL the person opens (external providers)
  };
  Via via = Via::kTelegramInvoice;
  std::string url;  // kPaymentLink only
};

// A provider's notification turned into what it proves: this provider took `amount` `currency`
// for the order `order_id`, under its own payment id. Made only after the notification was
// authenticated (a signature, a secret, or Telegram's own update channel for Stars).
struct PaymentConfirmation {
  std::string provider;
  std::string provider_payment_id;
  Id order_id = 0;
  TgId payer_tg_id = 0;  // 0 when the provider does not say who paid
  std::int64_t amount = 0;
  std::string currency;
  std::string raw_reference;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // The name orders and payments carry ("stars"); also a metrics label and a CLI value.
  virtual std::string Name() const = 0;
  // The currency this provider charges in ("XTR" for Stars, CURRENCY for the others).
  virtual std::string Currency() const = 0;
  // How the person pays `order` (already stored, amount and currency computed). May call the
  // provider (kUnavailable when it cannot be reached; the order stays payable by a retry).
  virtual Result<InvoiceRequest> CreateInvoice(const Order& order) = 0;
  // Gives a payment back through the provider. kFailedPrecondition when the provider cannot
  // refund; kUnavailable when it cannot be reached.
  virtual Status Refund(const Payment& payment, TgId payer_tg_id) = 0;
};

}  // namespace vpnhub::ports
