#pragma once
// Cryptomus and Heleket (payments.md §2-§3): one protocol on two hosts, so one class made twice
// with another name, label and set of variables. An invoice is POST /v1/payment with order_id
// "vpnhub-<order id>" (a repeated order id returns the same invoice, so a second tap is safe);
// the invoice's status comes to POST /pay/<name> as a webhook signed inside its body (`sign`,
// md5 over PHP's re-encoding of the body without it) and can be asked for again with
// POST /v1/payment/info (the reconciliation job). Requests carry the merchant UUID and
// sign = md5(base64(body) + payment API key).
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "core/time.hpp"
#include "payments/common/http_client.hpp"
#include "payments/factory.hpp"

namespace vpnhub::payments::cryptomus {

// The specs providers.cpp registers: "cryptomus" (CRYPTOMUS_KEY, CRYPTOMUS_UUID,
// CRYPTOMUS_API_URL) and "heleket" (HELEKET_KEY, HELEKET_UUID, HELEKET_API_URL). Both need
// PAYMENT_WEBHOOK_BASE_URL: the invoice names its webhook <base>/pay/<name>.
ProviderSpec CryptomusSpec();
ProviderSpec HeleketSpec();

struct Settings {
  std::string name;           // "cryptomus" or "heleket"
  std::string label;          // "Cryptomus" or "Heleket"
  std::string api_url;        // https://api.cryptomus.com, no trailing '/'
  std::string merchant_uuid;  // the `merchant` header
  std::string key;            // the payment API key: signs requests, verifies webhooks (secret)
  std::string currency;       // CURRENCY: what invoices are priced in
  std::string callback_url;   // url_callback: <PAYMENT_WEBHOOK_BASE_URL>/pay/<name>
  std::string return_url;     // url_return and url_success ("" = not sent)
};

// The `sign` header of a request whose body is exactly `body`.
std::string RequestSign(std::string_view body, std::string_view key);

// The order id our invoices carry ("vpnhub-42"), and back: nullopt for anything but "vpnhub-"
// and a positive decimal id without sign or leading zero.
std::string InvoiceOrderId(Id order_id);
std::optional<Id> OrderIdFromInvoice(std::string_view order_id);

// A webhook body read with `key` on behalf of provider `provider`: kBadSignature unless `sign`
// equals md5(base64(PHP encoding of the body without sign) + key); then kIgnored for anything
// but a final payment with status paid or paid_over for an order id of ours, kMalformed for such
// a payment with a missing or mistyped field, kPaid with provider_payment_id = the invoice uuid
// and the invoice's amount and currency. Never throws.
ports::NoticeVerdict ReadWebhook(std::string_view body, std::string_view key,
                                 const std::string& provider);

// Thread-safe: immutable settings, and HttpClient is thread-safe.
class CryptomusProvider final : public ports::PaymentProvider {
 public:
  using Now = std::function<Time()>;
  CryptomusProvider(Settings settings, HttpClient& http, Now now);

  std::string Name() const override { return settings_.name; }
  std::string Label() const override { return settings_.label; }
  std::string Currency() const override { return settings_.currency; }
  // POST /v1/payment: amount "299.00", the order's currency, order_id "vpnhub-<id>",
  // url_callback, url_return/url_success, lifetime = seconds to the order's expiry (300..43200),
  // is_payment_multiple false. Via::kPaymentLink with the invoice url; invoice_ref = its uuid.
  // kInvalidArgument for an order not in Currency() or of no positive amount; kUnavailable when
  // the API cannot be reached, answers 5xx/429 or an answer without uuid and url;
  // kPermissionDenied on 401/403; kFailedPrecondition when it refuses the invoice (state 1, 4xx).
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // kFailedPrecondition always: a crypto refund needs the payer's wallet address, so it is done
  // in the provider's dashboard.
  Status Refund(const Payment& payment, TgId payer_tg_id) override;
  // ReadWebhook with the configured key.
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override;
  // POST /v1/payment/info {uuid: order.invoice_ref} (order_id when there is no ref): paid or
  // paid_over -> kPaid (the webhook's fields), cancel/fail/system_fail/wrong_amount -> kClosed,
  // anything else -> kPending. kFailedPrecondition when the invoice names another order; HTTP
  // errors as CreateInvoice.
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override;
  bool TakesNotices() const override { return true; }

 private:
  // POSTs `body` (signed) to <api_url><path>; the `result` object of a state-0 answer.
  Result<nlohmann::ordered_json> Call(std::string_view what, const std::string& path,
                                      const std::string& body);

  const Settings settings_;
  HttpClient& http_;
  const Now now_;
};

}  // namespace vpnhub::payments::cryptomus
