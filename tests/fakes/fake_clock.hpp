#pragma once
#include <atomic>

#include "core/ports/clock.hpp"

namespace vpnhub::fakes {

// A clock the test moves by hand.
class FakeClock : public ports::Clock {
 public:
  explicit FakeClock(Time start = FromUnixMs(1'700'000'000'000)) : now_ms_(ToUnixMs(start)) {}
  Time Now() const override { return FromUnixMs(now_ms_.load()); }
  void Advance(Duration d) { now_ms_ += d.count(); }
  void Set(Time t) { now_ms_ = ToUnixMs(t); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace vpnhub::fakes
