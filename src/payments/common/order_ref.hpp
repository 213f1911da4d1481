#pragma once
// The order id a provider hands back from what we put into its invoice (a Stars payload, a
// YooKassa metadata.order_id, a YooMoney label, ...), read strictly.
#include <optional>
#include <string_view>

#include "core/domain.hpp"

namespace vpnhub::payments {

// The decimal digits of a positive order id, nothing else: no sign, blank, leading zero or
// fraction, at most 18 digits (always below 2^63). nullopt for anything else.
std::optional<Id> OrderIdFromText(std::string_view text);

}  // namespace vpnhub::payments
