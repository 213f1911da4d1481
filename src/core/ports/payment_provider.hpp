#pragma once
// The payment-provider port: one implementation per provider under src/payments/<name>/, built by
// the factory in src/payments/ from configuration. A provider is offered to people only when its
// configuration is complete. The core never trusts what a provider, a button or a person says
// about an amount: BillingService compares every confirmation with the order it names.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  // The provider's id of the invoice (YooKassa's payment id, Cryptomus' uuid, WATA's link id,
  // CryptoBot's invoice_id); "" when the provider has none (YooMoney, Stars). Stored on the order
  // with `url`, so a second tap shows the same link without calling the provider again, and the
  // reconciliation job asks about this invoice.
  std::string invoice_ref;
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

// One delivery to POST /pay/<provider>, in plain types (nothing of HTTP): what a signature check
// needs. The body is at most 64 KB (the route refuses more).
struct PaymentNotice {
  std::string body;                                          // the raw bytes as received
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string content_type;
  std::string remote_ip;  // the peer address of the connection

  // The first header named `name` (ASCII case-insensitive); "" when absent.
  std::string_view Header(std::string_view name) const;
};

// What a provider made of a notice.
struct NoticeVerdict {
  enum class Kind {
    kPaid,          // authentic, and the provider took money for an order: `confirmation`
    kIgnored,       // authentic, nothing to credit (another status or event, a test, unaccepted)
    kBadSignature,  // not proven to come from the provider: 401, nothing changes
    kMalformed,     // cannot be read as the provider's notice: 400, nothing changes
  };
  Kind kind = Kind::kIgnored;
  PaymentConfirmation confirmation;  // kPaid
  std::string detail;                // for the log: what was ignored or wrong (never a secret)
};

// What a provider's API says about an order's invoice now (the reconciliation job).
struct PaymentCheck {
  enum class Kind {
    kPaid,     // paid: `confirmation`, with the provider payment id a webhook would carry
    kPending,  // not paid yet: ask again later
    kClosed,   // will never be paid (cancelled, expired at the provider): stop asking
  };
  Kind kind = Kind::kPending;
  PaymentConfirmation confirmation;  // kPaid
  std::string detail;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // The name orders and payments carry ("stars"); also a metrics label and a CLI value.
  virtual std::string Name() const = 0;
  // What the person reads on the provider's button ("YooKassa", "CryptoBot"): a brand name, the
  // same in every language.
  virtual std::string Label() const { return Name(); }
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

  // Reads a notice POSTed to /pay/<Name()>: authenticates it (signature, secret, or a re-read of
  // the payment from the provider's API) and says what it proves. Runs on a worker thread (it may
  // call the provider: YooKassa's re-read, WATA's public key). kUnavailable when the provider's
  // API needed for the verdict cannot be reached (the route answers 503 so the provider delivers
  // again). Providers without webhooks (Stars: Telegram hands the payment to the bot) keep the
  // default: kFailedPrecondition.
  virtual Result<NoticeVerdict> ReadNotice(const PaymentNotice& notice);
  // Asks the provider's API about `order` (its invoice_ref, or its id where the provider looks
  // up by order id), for an invoice whose webhook may have been lost. kUnavailable on API
  // errors. Default: kFailedPrecondition (nothing to ask: Stars).
  virtual Result<PaymentCheck> CheckOrder(const Order& order);
  // Whether POST /pay/<Name()> is served (ReadNotice is implemented).
  virtual bool TakesNotices() const { return false; }
};

}  // namespace vpnhub::ports
