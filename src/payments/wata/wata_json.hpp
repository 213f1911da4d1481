#pragma once
// WATA writes money as JSON numbers (1188.00). Going through a double would turn 299.00 into
// 298.99999...; this parser keeps every fractional number as its text instead, so an amount is
// read as the decimal the provider wrote (payments.md §4.9).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::payments::wata {

// `text` as JSON, with each number that has a fraction or an exponent stored as a string of its
// exact text ("299.00"); integers stay numbers. nullopt when `text` is not JSON.
std::optional<nlohmann::json> ParseKeepingDecimals(std::string_view text);

// A money field of an object parsed above as whole units: a non-negative integer or a decimal
// text ("299.00" -> 299, the fraction cut off). nullopt when absent, negative, or of another type.
std::optional<std::int64_t> MoneyField(const nlohmann::json& object, const char* name);

}  // namespace vpnhub::payments::wata
