#pragma once
#include "core/time.hpp"

namespace vpnhub::ports {

// The only source of time for the core. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

}  // namespace vpnhub::ports
