#pragma once
// Per-person limit on inbound updates: one person sending thousands of messages must not fill
// the handlers, the database and the outbound queue for everybody else. A token bucket per
// Telegram id, in this process (each instance limits what it handles itself).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/time.hpp"

namespace vpnhub::bot {

struct FloodGuardOptions {
  double per_sec = 1.0;  // updates a person may send per second, sustained; <= 0 = no limit
  int burst = 10;        // updates a quiet person may send at once
  // Of the updates dropped, at most one per person per this long gets a "slow down" reply.
  Duration notice_every{std::chrono::seconds(60)};
  // Past this many people remembered, those whose bucket is full again and whose notice window
  // has passed are forgotten (they would be treated the same as someone new).
  std::size_t max_tracked = 100000;
};

// Thread-safe: the router calls it from every handler thread.
class FloodGuard {
 public:
  enum class Verdict {
    kAllow,           // handle the update
    kDrop,            // drop it silently
    kDropWithNotice,  // drop it, and tell the person to slow down (once per notice_every)
  };

  explicit FloodGuard(FloodGuardOptions options = {}) : options_(options) {}

  // Takes one token of `person`'s bucket at `now`, or says why not. Times may come in any order
  // (from several threads); a time before the bucket's last refill refills nothing.
  Verdict Admit(std::int64_t person, Time now);
  // People currently remembered (for tests).
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    Time refilled_at{};
    bool noticed = false;  // a "slow down" reply went out, at noticed_at
    Time noticed_at{};
  };
  void Prune(Time now);

  const FloodGuardOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::int64_t, Bucket> buckets_;
};

}  // namespace vpnhub::bot
