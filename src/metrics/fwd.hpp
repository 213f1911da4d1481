#pragma once
// Declarations only, for headers that hold metrics by pointer or reference (metrics/registry.hpp
// defines them).
namespace vpnhub::metrics {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace vpnhub::metrics
