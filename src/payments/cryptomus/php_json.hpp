#pragma once
// PHP's json_encode($value, JSON_UNESCAPED_UNICODE) of what json_decode($text, true) made of a
// JSON text: the bytes Cryptomus and Heleket sign a webhook over (payments.md §2.4). They hash
// neither the body as received nor any generic re-encoding, so the verifier must reproduce PHP.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::payments::cryptomus {

// `text` parsed keeping the order of keys (a repeated key keeps its first place and its last
// value, as PHP arrays do). nullopt for text that is not JSON (invalid UTF-8 included) or nests
// deeper than 64 levels.
std::optional<nlohmann::ordered_json> ParseOrdered(std::string_view text);

// The PHP encoding of `value`: compact; keys in order; '/' as "\/"; non-ASCII raw UTF-8 except
// U+2028/U+2029 ("\u2028"); control characters as \b \f \n \r \t or \u00XX; an empty object as
// [] (json_decode made it an empty array); floats printed shortest round-trip without a forced
// fraction (1.50 -> 1.5, 1.0 -> 1, 1e20 -> 1.0e+20); integers past int64 as floats.
std::string PhpJsonEncode(const nlohmann::ordered_json& value);

}  // namespace vpnhub::payments::cryptomus
