#include "payments/common/order_ref.hpp"

namespace vpnhub::payments {

std::optional<Id> OrderIdFromText(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
  Id id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace vpnhub::payments
