#pragma once
// Money as the providers write it ("299.00", 299.00) against the orders' whole units
// (core/billing.hpp: whole roubles for RUB). Never through a double.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::payments {

// A provider's decimal amount ("299", "299.00", "299.5") in whole units, the fraction cut off
// (299): an order priced 299 is credited for 299.00 or more, never for 298.99. nullopt for
// anything but digits with an optional '.' and fraction digits (no sign, exponent or blank), and
// for amounts past 10^15.
std::optional<std::int64_t> WholeUnits(std::string_view decimal);

// Whole units as the providers take them: "299.00".
std::string TwoDecimals(std::int64_t units);

}  // namespace vpnhub::payments
