#pragma once
#include <string>

#include "core/time.hpp"

namespace vpnhub::app {

// 2026-11-26T15:04:05Z (UTC, second precision).
std::string IsoUtc(Time t);
// "2d 3h", "5h 10m", "42s", "expired" for a non-positive span.
std::string HumanLeft(Duration d);

}  // namespace vpnhub::app
