#pragma once
// Percentiles of the benchmarks' latency samples.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace vpnhub::bench {

// The p-quantile (0..1) by nearest rank; 0 for no samples.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace vpnhub::bench
