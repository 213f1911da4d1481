#pragma once
// Small pieces every provider's notice parser uses: JSON fields read without exceptions, currency
// codes, and a verdict with its reason.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/ports/payment_provider.hpp"

namespace vpnhub::payments {

// A string field of a JSON object; "" when `object` is no object or the field is absent or of
// another type.
inline std::string TextField(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return "";
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Three upper-case ASCII letters (ISO 4217: "RUB").
inline bool IsCurrencyCode(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

inline ports::NoticeVerdict Verdict(ports::NoticeVerdict::Kind kind, std::string detail) {
  ports::NoticeVerdict v;
  v.kind = kind;
  v.detail = std::move(detail);
  return v;
}

inline ports::NoticeVerdict PaidVerdict(ports::PaymentConfirmation confirmation,
                                        std::string detail) {
  ports::NoticeVerdict v = Verdict(ports::NoticeVerdict::Kind::kPaid, std::move(detail));
  v.confirmation = std::move(confirmation);
  return v;
}

}  // namespace vpnhub::payments
