#include "payments/yookassa/yookassa_api.hpp"

#include "payments/common/amount.hpp"
#include "payments/common/crypto.hpp"
#include "payments/common/order_ref.hpp"

namespace vpnhub::payments::yookassa {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDescriptionChars = 128;

// The string at `key` of an object, or nullopt when absent or not a string.
std::optional<std::string> StringAt(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

ports::PaymentConfirmation ConfirmationOf(const PaymentObject& payment, Id order_id) {
  ports::PaymentConfirmation c;
  c.provider = kName;
  c.provider_payment_id = payment.id;
  c.order_id = order_id;
  c.amount = *WholeUnits(payment.amount_value);
  c.currency = payment.currency;
  c.raw_reference = "yookassa payment " + payment.id + " " + payment.amount_value + " " +
                    payment.currency + (payment.test ? " (test)" : "");
  return c;
}

}  // namespace

std::string BasicAuth(std::string_view shop_id, std::string_view secret_key) {
  std::string credentials(shop_id);
  credentials += ':';
  credentials += secret_key;
  return "Basic " + Base64Encode(credentials);
}

std::string PaymentIdempotenceKey(Id order_id) { return "order-" + std::to_string(order_id); }

std::string Utf8Prefix(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // A character starts at any byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) break;
      ++chars;
    }
    ++i;
  }
  return std::string(text.substr(0, i));
}

json PaymentBody(const Order& order, std::string_view description, const PaymentOptions& options) {
  const json amount = {{"value", TwoDecimals(order.amount)}, {"currency", order.currency}};
  const std::string text = Utf8Prefix(description, kMaxDescriptionChars);
  json body = {
      {"amount", amount},
      {"capture", true},
      {"confirmation", {{"type", "redirect"}, {"return_url", options.return_url}}},
      {"description", text},
      {"metadata", {{"order_id", std::to_string(order.id)}}},
  };
  if (!options.receipt_email.empty()) {
    body["receipt"] = {
        {"customer", {{"email", options.receipt_email}}},
        {"items", json::array({{{"description", text},
                                {"quantity", "1.00"},
                                {"amount", amount},
                                {"vat_code", options.vat_code},
                                {"payment_subject", "service"},
                                {"payment_mode", "full_payment"}}})},
    };
  }
  return body;
}

Result<PaymentObject> ParsePayment(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return InvalidArgument("yookassa payment: not a JSON object");
  PaymentObject p;
  const auto id = StringAt(j, "id");
  const auto status = StringAt(j, "status");
  const json amount = j.contains("amount") ? j["amount"] : json();
  const auto value = StringAt(amount, "value");
  const auto currency = StringAt(amount, "currency");
  if (!id || id->empty() || !status || !value || !currency) {
    return InvalidArgument("yookassa payment: id, status or amount missing or not strings");
  }
  p.id = *id;
  p.status = *status;
  p.amount_value = *value;
  p.currency = *currency;
  if (j.contains("metadata")) p.order_id = StringAt(j["metadata"], "order_id").value_or("");
  if (j.contains("confirmation")) {
    p.confirmation_url = StringAt(j["confirmation"], "confirmation_url").value_or("");
  }
  const auto test = j.find("test");
  p.test = test != j.end() && test->is_boolean() && test->get<bool>();
  return p;
}

Result<Notification> ParseNotification(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return InvalidArgument("yookassa notice: not a JSON object");
  const auto type = StringAt(j, "type");
  const auto event = StringAt(j, "event");
  if (!type || *type != "notification" || !event || event->empty()) {
    return InvalidArgument("yookassa notice: not {\"type\":\"notification\",\"event\":...}");
  }
  const json object = j.contains("object") ? j["object"] : json();
  const auto id = StringAt(object, "id");
  if (!id || id->empty() || id->size() > 64) {
    return InvalidArgument("yookassa notice: object.id missing or not a short string");
  }
  return Notification{*event, *id};
}

ports::NoticeVerdict VerdictFromPayment(const PaymentObject& payment,
                                        std::string_view notified_id) {
  using Kind = ports::NoticeVerdict::Kind;
  ports::NoticeVerdict v;
  if (payment.id != notified_id) {
    v.kind = Kind::kBadSignature;
    v.detail = "yookassa answered for payment " + payment.id + ", not the notified one";
    return v;
  }
  if (payment.status != "succeeded") {
    v.kind = Kind::kIgnored;
    v.detail = "yookassa payment " + payment.id + " is " + payment.status + ", not succeeded";
    return v;
  }
  const auto order_id = OrderIdFromText(payment.order_id);
  if (!order_id || !WholeUnits(payment.amount_value) || payment.currency.empty()) {
    v.kind = Kind::kIgnored;
    v.detail = "yookassa payment " + payment.id + " names no order of ours or no amount";
    return v;
  }
  v.kind = Kind::kPaid;
  v.confirmation = ConfirmationOf(payment, *order_id);
  return v;
}

ports::PaymentCheck CheckFromPayment(const PaymentObject& payment, const Order& order) {
  using Kind = ports::PaymentCheck::Kind;
  ports::PaymentCheck c;
  c.detail = "yookassa payment " + payment.id + " is " + payment.status;
  if (payment.status == "canceled") {
    c.kind = Kind::kClosed;
    return c;
  }
  const auto order_id = OrderIdFromText(payment.order_id);
  if (payment.status != "succeeded" || !WholeUnits(payment.amount_value)) {
    c.kind = Kind::kPending;
    return c;
  }
  if (!order_id || *order_id != order.id) {
    // Our invoice_ref names a payment of another order: never credit it to this one.
    c.kind = Kind::kClosed;
    c.detail += ", but for order \"" + payment.order_id + "\"";
    return c;
  }
  c.kind = Kind::kPaid;
  c.confirmation = ConfirmationOf(payment, order.id);
  return c;
}

json RefundBody(const Payment& payment) {
  return {{"payment_id", payment.provider_payment_id},
          {"amount", {{"value", TwoDecimals(payment.amount)}, {"currency", payment.currency}}}};
}

std::string RefundIdempotenceKey(const Payment& payment) {
  return "refund-" + payment.provider_payment_id;
}

}  // namespace vpnhub::payments::yookassa
