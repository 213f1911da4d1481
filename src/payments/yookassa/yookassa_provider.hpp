#pragma once
// YooKassa (API v3): a payment per order (POST /payments, Idempotence-Key "order-<id>", one-stage
// capture, a redirect back to the bot), confirmed by its unsigned notification only after the
// payment is read back from the API with our credentials (GET /payments/{id}), optionally after
// an allowlist of the notification's source networks.
#include <memory>
#include <string>

#include "core/ports/payment_provider.hpp"
#include "payments/common/http_client.hpp"
#include "payments/factory.hpp"
#include "payments/yookassa/trusted_ips.hpp"
#include "payments/yookassa/yookassa_api.hpp"

namespace vpnhub::payments::yookassa {

// The spec providers.cpp registers: YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY (required),
// YOOKASSA_RECEIPT_EMAIL, YOOKASSA_VAT_CODE, YOOKASSA_TRUSTED_IPS, YOOKASSA_API_URL.
ProviderSpec Spec();

struct Settings {
  std::string api_url;  // "https://api.yookassa.ru/v3", no trailing slash
  std::string shop_id;
  std::string secret_key;
  std::string currency;
  PaymentOptions payment;
  TrustedIps trusted_ips;
};

// Thread-safe: immutable after construction; HttpClient is thread-safe.
class YooKassaProvider final : public ports::PaymentProvider {
 public:
  YooKassaProvider(Settings settings, HttpClient& http)
      : settings_(std::move(settings)), http_(http) {}

  std::string Name() const override { return kName; }
  std::string Label() const override { return "YooKassa"; }
  std::string Currency() const override { return settings_.currency; }
  // POST /payments; invoice_ref = the payment id, url = its confirmation_url. kUnavailable for
  // an unreachable API, 5xx, 202 and 429; kPermissionDenied for refused credentials.
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // POST /refunds of the whole payment, Idempotence-Key "refund-<payment id>".
  Status Refund(const Payment& payment, TgId payer_tg_id) override;
  // The allowlist (outside: kBadSignature), then payment.succeeded re-read from the API; other
  // events kIgnored; a payment the API does not know (404) kBadSignature; API down kUnavailable.
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override;
  // GET /payments/{invoice_ref}: succeeded kPaid, canceled kClosed, else kPending.
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override;
  bool TakesNotices() const override { return true; }

 private:
  HttpRequest Request(std::string method, std::string path) const;
  Result<PaymentObject> GetPayment(const std::string& id, const char* what);

  const Settings settings_;
  HttpClient& http_;
};

}  // namespace vpnhub::payments::yookassa
