#include "payments/cryptomus/invoice.hpp"

#include <optional>
#include <string_view>
#include <utility>

#include "payments/common/amount.hpp"
#include "payments/cryptomus/cryptomus_provider.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

using nlohmann::ordered_json;

// The string field `name`, or nullptr when it is absent or not a string.
const std::string* StringField(const ordered_json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool IsUuid(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A currency code: ISO letters (RUB) or a coin (USDT), upper case, 3 to 10 characters.
bool IsCurrency(std::string_view s) {
  if (s.size() < 3 || s.size() > 10) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// "name=value" for the support reference: printable ASCII, at most 64 characters.
std::string RefPart(const ordered_json& invoice, const char* name) {
  const std::string* value = StringField(invoice, name);
  if (value == nullptr || value->empty()) return "";
  std::string out = std::string(" ") + name + "=";
  for (char c : value->substr(0, 64)) out += (c > 0x20 && c < 0x7F) ? c : '?';
  return out;
}

bool IsClosed(std::string_view status) {
  return status == "cancel" || status == "fail" || status == "system_fail" ||
         status == "wrong_amount";
}

InvoiceState Malformed(InvoiceState state, std::string detail) {
  state.kind = InvoiceState::Kind::kMalformed;
  state.detail = std::move(detail);
  return state;
}

}  // namespace

InvoiceState ReadInvoice(const ordered_json& invoice, const std::string& provider) {
  InvoiceState state;
  if (!invoice.is_object()) return Malformed(state, "the invoice is not an object");
  const std::string* status = StringField(invoice, "status");
  if (status == nullptr) return Malformed(state, "status is missing or not a string");
  state.status = *status;
  state.detail = "status " + status->substr(0, 32);
  if (*status != "paid" && *status != "paid_over") {
    state.kind = IsClosed(*status) ? InvoiceState::Kind::kClosed : InvoiceState::Kind::kOpen;
    return state;
  }
  const auto final_it = invoice.find("is_final");
  if (final_it == invoice.end() || !final_it->is_boolean() || !final_it->get<bool>()) {
    state.detail += " but is_final is not true";
    return state;  // kOpen: a paid invoice is final, so wait for the word that says so
  }
  const std::string* uuid = StringField(invoice, "uuid");
  if (uuid == nullptr || !IsUuid(*uuid)) return Malformed(state, "uuid is missing or not an id");
  const std::string* order = StringField(invoice, "order_id");
  const std::optional<Id> order_id = order ? OrderIdFromInvoice(*order) : std::nullopt;
  if (!order_id) {
    state.kind = InvoiceState::Kind::kNotOurs;
    state.detail = "order_id of invoice " + *uuid + " is not one of ours";
    return state;
  }
  const std::string* amount = StringField(invoice, "amount");
  const auto units = amount ? WholeUnits(*amount) : std::nullopt;
  if (!units) return Malformed(state, "amount is missing or not a decimal string");
  const std::string* currency = StringField(invoice, "currency");
  if (currency == nullptr || !IsCurrency(*currency)) {
    return Malformed(state, "currency is missing or not a currency code");
  }
  state.kind = InvoiceState::Kind::kPaid;
  ports::PaymentConfirmation& c = state.confirmation;
  c.provider = provider;
  c.provider_payment_id = *uuid;
  c.order_id = *order_id;
  c.amount = *units;
  c.currency = *currency;
  c.raw_reference = "uuid=" + *uuid + " status=" + *status + RefPart(invoice, "payment_amount") +
                    RefPart(invoice, "payer_currency") + RefPart(invoice, "network") +
                    RefPart(invoice, "txid");
  return state;
}

}  // namespace vpnhub::payments::cryptomus
