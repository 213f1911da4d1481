// The webhook: its signature over PHP's re-encoding (payments.md §2.4, §5.2) and what it proves.
#include <optional>
#include <string>

#include "core/ports/payment_provider.hpp"
#include "payments/common/crypto.hpp"
#include "payments/cryptomus/cryptomus_provider.hpp"
#include "payments/cryptomus/invoice.hpp"
#include "payments/cryptomus/php_json.hpp"
#include "payments/stars/stars_provider.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

using ports::NoticeVerdict;

NoticeVerdict Verdict(NoticeVerdict::Kind kind, std::string detail) {
  NoticeVerdict v;
  v.kind = kind;
  v.detail = std::move(detail);
  return v;
}

}  // namespace

std::string RequestSign(std::string_view body, std::string_view key) {
  return Md5Hex(Base64Encode(body) + std::string(key));
}

std::string InvoiceOrderId(Id order_id) { return "vpnhub-" + std::to_string(order_id); }

std::optional<Id> OrderIdFromInvoice(std::string_view order_id) {
  constexpr std::string_view kPrefix = "vpnhub-";
  if (order_id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return stars::OrderIdFromPayload(order_id.substr(kPrefix.size()));
}

NoticeVerdict ReadWebhook(std::string_view body, std::string_view key,
                          const std::string& provider) {
  std::optional<nlohmann::ordered_json> data = ParseOrdered(body);
  if (!data || !data->is_object()) {
    return Verdict(NoticeVerdict::Kind::kMalformed, "the body is not a JSON object");
  }
  const auto sign_it = data->find("sign");
  if (sign_it == data->end() || !sign_it->is_string()) {
    return Verdict(NoticeVerdict::Kind::kBadSignature, "no sign in the body");
  }
  const std::string sign = sign_it->get<std::string>();
  data->erase("sign");
  // The sender hashed PHP's json_encode of the decoded body without `sign`, not the bytes sent.
  const std::string expected = RequestSign(PhpJsonEncode(*data), key);
  if (!ConstantTimeEquals(expected, sign)) {
    return Verdict(NoticeVerdict::Kind::kBadSignature, "sign does not match the body");
  }
  const auto type = data->find("type");
  if (type == data->end() || !type->is_string() ||
      type->get_ref<const std::string&>() != "payment") {
    return Verdict(NoticeVerdict::Kind::kIgnored, "not a payment webhook");
  }
  InvoiceState state = ReadInvoice(*data, provider);
  switch (state.kind) {
    case InvoiceState::Kind::kPaid: {
      NoticeVerdict v = Verdict(NoticeVerdict::Kind::kPaid, state.detail);
      v.confirmation = std::move(state.confirmation);
      return v;
    }
    case InvoiceState::Kind::kMalformed:
      return Verdict(NoticeVerdict::Kind::kMalformed, state.detail);
    default:
      return Verdict(NoticeVerdict::Kind::kIgnored, state.detail);
  }
}

}  // namespace vpnhub::payments::cryptomus
