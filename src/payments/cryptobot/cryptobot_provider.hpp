#pragma once
// CryptoBot (Crypto Pay API, help.send.tg "Crypto Pay API"): the person pays a fiat-priced
// invoice in crypto inside @CryptoBot. createInvoice makes the invoice (currency_type "fiat",
// payload = the order id); Crypto Pay POSTs an "invoice_paid" update to /pay/cryptobot signed with
// crypto-pay-api-signature = hex(HMAC-SHA256(key = SHA-256(app token), raw body)); getInvoices
// re-reads an invoice for the reconciliation job. Crypto Pay has no refund method.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "core/time.hpp"
#include "payments/common/http_send.hpp"
#include "payments/factory.hpp"

namespace vpnhub::payments::cryptobot {

inline constexpr char kName[] = "cryptobot";

// The spec providers.cpp registers: CRYPTO_BOT_API (the app token, required) and
// CRYPTO_BOT_API_URL.
ProviderSpec Spec();

struct Options {
  std::string api_url;   // "https://pay.crypt.bot/api", no trailing slash
  std::string token;     // the Crypto Pay app token (secret)
  std::string currency;  // CURRENCY: the fiat invoices are priced in
  HttpSend send;
  std::function<Time()> now;  // the clock (request_date freshness, expires_in)
};

// Thread-safe: no state beyond its options.
class CryptoBotProvider final : public ports::PaymentProvider {
 public:
  explicit CryptoBotProvider(Options options);

  std::string Name() const override { return kName; }
  std::string Label() const override { return "CryptoBot"; }
  std::string Currency() const override { return options_.currency; }
  // createInvoice for the order's amount in its currency; expires_in = the time left to the
  // order's expiry (at least 60 s). kUnavailable when unreachable or on 5xx/429; Crypto Pay's
  // refusals (ok:false) as kFailedPrecondition, a refused token as kPermissionDenied.
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // Always kFailedPrecondition: Crypto Pay cannot give a payment back (transfer by hand).
  Status Refund(const Payment& payment, TgId payer_tg_id) override;
  // kBadSignature unless crypto-pay-api-signature is the body's HMAC; then "invoice_paid" with a
  // paid fiat invoice of ours -> kPaid (provider_payment_id = invoice_id); another update type,
  // an unpaid invoice or a request_date older than a day (a stale replay) -> kIgnored; a body
  // that is not such an update -> kMalformed.
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override;
  // getInvoices?invoice_ids=<invoice_ref>: paid -> kPaid (the same confirmation as the webhook),
  // expired or unknown to Crypto Pay -> kClosed, active -> kPending.
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override;
  bool TakesNotices() const override { return true; }

 private:
  Result<std::string> Call(const std::string& what, HttpRequest request) const;

  Options options_;
  std::string signing_key_;  // SHA-256 of the token
};

// hex(HMAC-SHA256(SHA-256(token), body)) compared in constant time with `signature` (hex, any
// case). False for an empty signature.
bool SignatureMatches(std::string_view token, std::string_view body, std::string_view signature);

// What a Crypto Pay Invoice object proves: kPaid with the confirmation for a paid fiat invoice
// whose payload is an order id; kIgnored for another status; kMalformed for fields missing or of
// the wrong type. The `detail` names what was wrong.
ports::NoticeVerdict ReadInvoice(const nlohmann::json& invoice);

}  // namespace vpnhub::payments::cryptobot
