#pragma once
#include <chrono>
#include <cstdint>

namespace vpnhub {

// Wall-clock instants with millisecond precision; stored as Unix milliseconds.
using Time = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

inline std::int64_t ToUnixMs(Time t) { return t.time_since_epoch().count(); }
inline Time FromUnixMs(std::int64_t ms) { return Time(Duration(ms)); }

}  // namespace vpnhub
