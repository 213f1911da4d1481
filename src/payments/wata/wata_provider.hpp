#pragma once
// WATA (api.wata.pro H2H acquiring, payments.md §4): one provider per terminal, "wata_card" and
// "wata_sbp", each with its terminal's token. POST /links makes a payment link whose orderId is
// our order id; WATA POSTs the transaction to /pay/wata_<kind> signed in X-Signature (base64
// RSA-SHA512, PKCS#1 v1.5, over the raw body) with the key GET /public-key gives; the
// reconciliation job finds a paid transaction by orderId; refunds go to POST /transactions/refunds.
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "core/time.hpp"
#include "payments/common/http_send.hpp"
#include "payments/factory.hpp"

namespace vpnhub::payments::wata {

inline constexpr char kCardName[] = "wata_card";
inline constexpr char kSbpName[] = "wata_sbp";
inline constexpr char kDefaultApiUrl[] = "https://api.wata.pro/api/h2h";

// The specs providers.cpp registers: WATA_TOKEN_CARD (+ WATA_API_URL, declared here) and
// WATA_TOKEN_SBP (reads the same WATA_API_URL).
ProviderSpec CardSpec();
ProviderSpec SbpSpec();

struct Options {
  std::string name;        // kCardName or kSbpName
  std::string label;       // the button
  std::string api_url;     // kDefaultApiUrl, no trailing slash
  std::string token;       // the terminal's access token (secret)
  std::string currency;    // CURRENCY
  std::string return_url;  // successRedirectUrl / failRedirectUrl ("" = none)
  HttpSend send;
  std::function<Time()> now;
};

// Thread-safe: the cached public key is behind a mutex.
class WataProvider final : public ports::PaymentProvider {
 public:
  // After a refetch (a verification failed: the key may have rotated) or a failed fetch, the
  // public key is not fetched again for this long, so a flood of forgeries cannot hammer WATA.
  static constexpr Duration kKeyRefetchEvery = std::chrono::minutes(1);

  explicit WataProvider(Options options);

  std::string Name() const override { return options_.name; }
  std::string Label() const override { return options_.label; }
  std::string Currency() const override { return options_.currency; }
  // POST /links (Bearer token): amount with 2 decimals, currency, orderId = the order id, the
  // redirects, expirationDateTime = the order's expiry (at least 10 minutes ahead). invoice_ref =
  // the link id. kUnavailable when unreachable or on 5xx/429, kPermissionDenied on 401/403 (an
  // expired token), kFailedPrecondition for WATA's other refusals.
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // POST /transactions/refunds {originalTransactionId, amount}; kFailedPrecondition when WATA
  // refuses or declines it.
  Status Refund(const Payment& payment, TgId payer_tg_id) override;
  // kBadSignature unless X-Signature verifies with WATA's public key (fetched once and cached; on
  // a verification failure fetched again, at most once a minute); then a Paid Payment transaction
  // -> kPaid (provider_payment_id = transactionId, amount read from the JSON number's text);
  // Declined, Created, a refund -> kIgnored; kMalformed for a body without those fields.
  // kUnavailable when no public key could be had.
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override;
  // GET /transactions?orderId=<order id>: a Paid Payment -> kPaid (the confirmation a webhook
  // gives); none: GET /links/<invoice_ref>, Closed or gone -> kClosed, Opened -> kPending. When
  // the search is not served (404) a closed link stays kPending: it may hide a payment.
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override;
  bool TakesNotices() const override { return true; }

 private:
  Result<nlohmann::json> Call(const std::string& what, HttpRequest request) const;
  // Verifies with the cached key, fetching it first or again as the throttle allows.
  Result<bool> Verify(std::string_view body, std::string_view signature);
  // GET /public-key into key_ (mu_ held); a failure starts the throttle.
  Status FetchKeyLocked();
  Status FetchKey();  // the request alone (mu_ held)

  Options options_;
  std::mutex mu_;
  std::string key_;                     // PEM, "" until fetched
  std::optional<Time> throttled_from_;  // the last refetch or failed fetch
};

// What a WATA transaction (a webhook body or an item of GET /transactions), parsed with
// ParseKeepingDecimals, proves for the provider `name`.
ports::NoticeVerdict ReadTransaction(const nlohmann::json& transaction, const std::string& name);

}  // namespace vpnhub::payments::wata
