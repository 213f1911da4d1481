#pragma once
// application/x-www-form-urlencoded, both ways (YooMoney's notifications, quickpay links and API
// requests), and JSON whose fractional numbers are kept as their text (operation-history amounts:
// never through a double).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnhub::payments::yoomoney {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string UrlEncode(std::string_view text);
// name=value pairs joined with '&', both URL-encoded.
std::string EncodeForm(const FormFields& fields);
// The decoded name=value pairs of a form body ('+' is a blank). nullopt for a bad %-escape, a
// pair without '=' or a name given twice (which value was signed would be ambiguous).
std::optional<FormFields> DecodeForm(std::string_view body);
// The value of `name` in `fields`, or nullopt.
std::optional<std::string> FieldOf(const FormFields& fields, std::string_view name);

// `body` parsed as JSON, every number with a fraction or exponent kept as a string of its text
// ("300.00"); integers stay integers. A discarded value (is_discarded()) when it is not JSON.
nlohmann::json ParseJsonKeepingDecimals(std::string_view body);

}  // namespace vpnhub::payments::yoomoney
