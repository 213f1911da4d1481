#pragma once
// The ISO 8601 instants the providers write ("2026-01-01T00:00:00.000Z").
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace vpnhub::payments {

// "2026-01-01T12:00:00Z" (UTC, whole seconds).
std::string IsoUtc(Time t);

// An instant written as YYYY-MM-DDTHH:MM:SS, an optional fraction of 1..9 digits (milliseconds
// kept), then "Z" or "+00:00". nullopt for anything else (another offset, a date that is not a
// calendar day, blanks).
std::optional<Time> ParseIsoUtc(std::string_view text);

}  // namespace vpnhub::payments
