#include "payments/common/amount.hpp"

namespace vpnhub::payments {

std::optional<std::int64_t> WholeUnits(std::string_view decimal) {
  const std::size_t dot = decimal.find('.');
  const std::string_view whole = decimal.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : decimal.substr(dot + 1);
  if (whole.empty() || whole.size() > 15) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  std::int64_t units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
  }
  for (char c : fraction) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return units;
}

std::string TwoDecimals(std::int64_t units) { return std::to_string(units) + ".00"; }

}  // namespace vpnhub::payments
