#pragma once
// YooMoney wallet: no invoice API; the person pays through a quickpay link whose label is the
// order id, and YooMoney notifies POST /pay/yoomoney with a form signed by sha1_hash (the wallet's
// notification secret). With YOOMONEY_TOKEN the reconciliation reads operation-history by label.
// A wallet cannot refund through the API.
#include <memory>
#include <string>

#include "core/ports/payment_provider.hpp"
#include "payments/common/http_client.hpp"
#include "payments/factory.hpp"
#include "payments/yoomoney/yoomoney_api.hpp"

namespace vpnhub::payments::yoomoney {

// The spec providers.cpp registers: YOOMONEY_WALLET and YOOMONEY_NOTIFICATION_SECRET (required),
// YOOMONEY_TOKEN (optional), YOOMONEY_API_URL.
ProviderSpec Spec();

struct Settings {
  std::string api_url;  // "https://yoomoney.ru", no trailing slash
  std::string wallet;
  std::string notification_secret;
  std::string token;  // "" = no reconciliation
  std::string currency;
  std::string return_url;
};

// Thread-safe: immutable after construction; HttpClient is thread-safe.
class YooMoneyProvider final : public ports::PaymentProvider {
 public:
  YooMoneyProvider(Settings settings, HttpClient& http)
      : settings_(std::move(settings)), http_(http) {}

  std::string Name() const override { return kName; }
  std::string Label() const override { return "YooMoney"; }
  std::string Currency() const override { return settings_.currency; }
  // The quickpay link (no API call); invoice_ref "". kInvalidArgument for an order that is not a
  // positive amount of RUB (a wallet takes roubles only).
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // kFailedPrecondition: a wallet cannot refund through the API.
  Status Refund(const Payment& payment, TgId payer_tg_id) override;
  // ReadNotification with the notification secret (no API call).
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override;
  // POST /api/operation-history (label = order id, type deposition) with YOOMONEY_TOKEN;
  // kFailedPrecondition without a token; kUnavailable when the API cannot be reached.
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override;
  bool TakesNotices() const override { return true; }

 private:
  const Settings settings_;
  HttpClient& http_;
};

}  // namespace vpnhub::payments::yoomoney
