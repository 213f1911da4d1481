#include "payments/yoomoney/yoomoney_api.hpp"

#include "payments/common/amount.hpp"
#include "payments/common/crypto.hpp"
#include "payments/common/order_ref.hpp"

namespace vpnhub::payments::yoomoney {
namespace {

using Kind = ports::NoticeVerdict::Kind;
using nlohmann::json;

constexpr const char* kSignedFields[] = {"notification_type", "operation_id", "amount", "currency",
                                         "datetime",          "sender",       "codepro"};

ports::NoticeVerdict Verdict(Kind kind, std::string detail) {
  ports::NoticeVerdict v;
  v.kind = kind;
  v.detail = std::move(detail);
  return v;
}

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// The whole units the person paid: withdraw_amount when the signed `amount` vouches for it.
std::optional<std::int64_t> PaidUnits(const FormFields& fields, std::string* detail) {
  const auto net = Cents(FieldOf(fields, "amount").value_or(""));
  if (!net) return std::nullopt;
  const std::string withdraw = FieldOf(fields, "withdraw_amount").value_or("");
  const auto gross = Cents(withdraw);
  if (gross && *gross >= *net && *gross * 95 <= *net * 100) return *WholeUnits(withdraw);
  *detail = "withdraw_amount \"" + withdraw.substr(0, 20) + "\" does not fit the signed amount";
  return *net / 100;
}

}  // namespace

std::string QuickpayUrl(std::string_view api_url, std::string_view wallet, const Order& order,
                        std::string_view return_url) {
  FormFields fields = {{"receiver", std::string(wallet)},
                       {"quickpay-form", "button"},
                       {"paymentType", "AC"},
                       {"sum", TwoDecimals(order.amount)},
                       {"label", std::to_string(order.id)}};
  if (!return_url.empty()) fields.emplace_back("successURL", std::string(return_url));
  return std::string(api_url) + "/quickpay/confirm?" + EncodeForm(fields);
}

std::optional<std::string> CheckString(const FormFields& fields, std::string_view secret) {
  std::string out;
  for (const char* name : kSignedFields) {
    const auto value = FieldOf(fields, name);
    if (!value) return std::nullopt;
    out += *value;
    out += '&';
  }
  const auto label = FieldOf(fields, "label");
  if (!label) return std::nullopt;
  out += secret;
  out += '&';
  out += *label;
  return out;
}

std::optional<std::int64_t> Cents(std::string_view decimal) {
  const std::size_t dot = decimal.find('.');
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : decimal.substr(dot + 1);
  if (fraction.size() > 2) return std::nullopt;
  const auto units = WholeUnits(decimal);
  if (!units) return std::nullopt;
  std::int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return *units * 100 + cents;
}

std::string CurrencyLetters(std::string_view numeric) {
  if (numeric == "643") return "RUB";
  return std::string(numeric);
}

ports::NoticeVerdict ReadNotification(std::string_view body, std::string_view secret) {
  const auto fields = DecodeForm(body);
  if (!fields) return Verdict(Kind::kMalformed, "yoomoney notice: not a form body");
  const auto signed_string = CheckString(*fields, secret);
  const auto hash = FieldOf(*fields, "sha1_hash");
  if (!signed_string || !hash) {
    return Verdict(Kind::kMalformed, "yoomoney notice: a signed field or sha1_hash is missing");
  }
  // A SHA-1 is 40 hex digits: an empty or cut hash is refused before anything is compared.
  if (hash->size() != 40 ||
      hash->find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return Verdict(Kind::kBadSignature, "yoomoney notice: sha1_hash is not 40 hex digits");
  }
  if (!ConstantTimeEquals(Lower(*hash), Sha1Hex(*signed_string))) {
    return Verdict(Kind::kBadSignature, "yoomoney notice: sha1_hash does not match");
  }
  const std::string operation = FieldOf(*fields, "operation_id").value_or("");
  const std::string label = FieldOf(*fields, "label").value_or("");
  if (FieldOf(*fields, "unaccepted").value_or("false") != "false") {
    return Verdict(Kind::kIgnored, "yoomoney operation " + operation + " is unaccepted");
  }
  if (FieldOf(*fields, "codepro").value_or("") != "false") {
    return Verdict(Kind::kIgnored, "yoomoney operation " + operation + " is protected by a code");
  }
  const auto order_id = OrderIdFromText(label);
  if (!order_id || operation.empty()) {
    return Verdict(Kind::kIgnored, "yoomoney operation " + operation + " names no order of ours");
  }
  ports::NoticeVerdict v = Verdict(Kind::kPaid, "");
  const auto units = PaidUnits(*fields, &v.detail);
  if (!units) return Verdict(Kind::kIgnored, "yoomoney operation " + operation + ": no amount");
  v.confirmation.provider = kName;
  v.confirmation.provider_payment_id = operation;
  v.confirmation.order_id = *order_id;
  v.confirmation.amount = *units;
  v.confirmation.currency = CurrencyLetters(FieldOf(*fields, "currency").value_or(""));
  v.confirmation.raw_reference = "yoomoney operation " + operation + " " +
                                 FieldOf(*fields, "notification_type").value_or("") + " " +
                                 FieldOf(*fields, "withdraw_amount").value_or("") + " (" +
                                 FieldOf(*fields, "amount").value_or("") + " received)";
  return v;
}

Result<ports::PaymentCheck> CheckFromHistory(std::string_view body, const Order& order) {
  const json j = ParseJsonKeepingDecimals(body);
  if (!j.is_object()) return InvalidArgument("yoomoney history: not a JSON object");
  if (j.contains("error")) {
    const std::string error = j["error"].is_string() ? j["error"].get<std::string>() : "?";
    return Status(StatusCode::kPermissionDenied, "yoomoney history: error " + error.substr(0, 64));
  }
  const auto ops = j.find("operations");
  if (ops == j.end() || !ops->is_array()) {
    return InvalidArgument("yoomoney history: no operations array");
  }
  const std::string label = std::to_string(order.id);
  for (const json& op : *ops) {
    if (!op.is_object()) continue;
    auto text = [&](const char* key) {
      const auto it = op.find(key);
      if (it == op.end()) return std::string();
      if (it->is_string()) return it->get<std::string>();
      if (it->is_number_integer()) return it->dump();  // amounts without a fraction
      return std::string();
    };
    if (text("status") != "success" || text("direction") != "in" || text("label") != label) {
      continue;
    }
    const std::string id = text("operation_id");
    const auto units = WholeUnits(text("amount"));
    if (id.empty() || !units) continue;
    ports::PaymentCheck c;
    c.kind = ports::PaymentCheck::Kind::kPaid;
    // The wallet is in roubles; the history names no currency.
    c.confirmation = {kName,
                      id,
                      order.id,
                      0,
                      *units,
                      "RUB",
                      "yoomoney operation " + id + " " + text("amount") + " received (history)"};
    c.detail = "yoomoney history: operation " + id;
    return c;
  }
  ports::PaymentCheck c;
  c.detail = "yoomoney history: no successful operation with label " + label;
  return c;
}

}  // namespace vpnhub::payments::yoomoney
