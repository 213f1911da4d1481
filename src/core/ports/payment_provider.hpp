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

// What the person reads on an invoice, in their language (made by the core from its texts).
struct InvoiceTexts {
  TgId chat_id = 0;         // the person's chat
  std::string title;        // Telegram: 1-32 characters
  std::string description;  // Telegram: 1-255 characters
  std::string label;        // the one price line ("3 months")
};

// How the person is asked to pay for an order.
struct InvoiceRequest {
  enum class Via {
    kSentInChat,   // the provider sent the invoice into the chat itself (Stars: sendInvoice)
    kPaymentLink,  // a URL the person opens (external providers); the core sends it as a button
  };
  Via via = Via::kSentInChat;
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
  // Asks the person to pay `order` (already committed, amount and currency computed on the
  // server; the order id is the invoice's payload). Calls the provider, so it runs on a worker
  // thread, never on an event loop. kUnavailable when the provider cannot be reached: the order
  // stays payable and the person can tap again (the same order is reused).
  virtual Result<InvoiceRequest> CreateInvoice(const Order& order, const InvoiceTexts& texts) = 0;
  // Gives a payment back through the provider. kFailedPrecondition when the provider cannot
  // refund; kUnavailable when it cannot be reached.
  virtual Status Refund(const Payment& payment, TgId payer_tg_id) = 0;
};

}  // namespace vpnhub::ports
