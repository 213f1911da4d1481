#pragma once
// YooKassa API v3 (https://yookassa.ru/developers/using-api/): the requests the provider sends and
// what it reads from the answers, as free functions over plain types, so the unit tests see every
// field without a network. Notifications are unsigned: a notice only names a payment, and the
// verdict comes from the payment object the API returns to our own credentials.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"

namespace vpnhub::payments::yookassa {

inline constexpr char kName[] = "yookassa";

// "Basic base64(shop_id:secret_key)": the API's HTTP Basic credentials.
std::string BasicAuth(std::string_view shop_id, std::string_view secret_key);

// The Idempotence-Key of an order's payment: the same order asks for the same payment.
std::string PaymentIdempotenceKey(Id order_id);

// What the shop puts on a payment besides the order.
struct PaymentOptions {
  std::string return_url;     // confirmation.return_url: the bot's t.me link
  std::string receipt_email;  // "" = no receipt (54-FZ) sent with the payment
  int vat_code = 1;           // receipt items' vat_code (1 = no VAT)
};

// `text` cut to at most `max_chars` Unicode characters (never inside a UTF-8 sequence).
std::string Utf8Prefix(std::string_view text, std::size_t max_chars);

// The body of POST /payments for `order`: amount {value "299.00", currency}, capture true, a
// redirect confirmation back to options.return_url, `description` (cut to 128 characters),
// metadata {order_id} and, with a receipt e-mail, a receipt of one "service" item.
nlohmann::json PaymentBody(const Order& order, std::string_view description,
                           const PaymentOptions& options);

// The payment object's fields the provider decides on.
struct PaymentObject {
  std::string id;
  std::string status;  // pending, waiting_for_capture, succeeded, canceled
  std::string amount_value;
  std::string currency;
  std::string order_id;  // metadata.order_id, "" when absent
  std::string confirmation_url;
  bool test = false;
};

// A payment object (the answer to POST /payments and GET /payments/{id}). kInvalidArgument when
// the body is not JSON or id/status/amount are missing or of the wrong type.
Result<PaymentObject> ParsePayment(std::string_view body);

// A notification {"type":"notification","event":...,"object":{"id":...}}: the event and the id of
// the object it names.
struct Notification {
  std::string event;
  std::string object_id;
};
// kInvalidArgument for anything else (the route answers 400).
Result<Notification> ParseNotification(std::string_view body);

// What a payment re-read from the API proves about the payment `notified_id` a
// payment.succeeded notice named: kPaid only for status "succeeded" with a readable amount and
// our order id in the metadata; kIgnored for other statuses; kBadSignature when the API returned
// another payment than the one asked for.
ports::NoticeVerdict VerdictFromPayment(const PaymentObject& payment, std::string_view notified_id);

// The reconciliation's reading of the payment of `order`: succeeded -> kPaid (the same
// confirmation a notice gives), canceled -> kClosed, anything else kPending.
ports::PaymentCheck CheckFromPayment(const PaymentObject& payment, const Order& order);

// The body of POST /refunds giving back `payment` in full, and its Idempotence-Key.
nlohmann::json RefundBody(const Payment& payment);
std::string RefundIdempotenceKey(const Payment& payment);

}  // namespace vpnhub::payments::yookassa
