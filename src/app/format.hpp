#pragma once
#include <string>

#include "core/domain.hpp"
#include "core/time.hpp"

namespace vpnhub::app {

// 2026-11-26T15:04:05Z (UTC, second precision).
std::string IsoUtc(Time t);
// "2d 3h", "5h 10m", "42s", "expired" for a non-positive span.
std::string HumanLeft(Duration d);
// The time a key has left, for lists: HumanLeft for a pending or active key, "-" for one that no
// longer runs (revoking, revoked, failed), which has no time left whatever its expires_at says.
std::string KeyTimeLeft(const Key& key, Time now);

}  // namespace vpnhub::app
