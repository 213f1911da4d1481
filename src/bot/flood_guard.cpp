#include "bot/flood_guard.hpp"

#include <algorithm>
#include <chrono>

namespace vpnhub::bot {

FloodGuard::Verdict FloodGuard::Admit(std::int64_t person, Time now) {
  if (options_.per_sec <= 0) return Verdict::kAllow;
  const double burst = std::max(1, options_.burst);
  std::lock_guard lock(mu_);
  if (buckets_.size() >= options_.max_tracked && !buckets_.contains(person)) Prune(now);
  auto [it, inserted] = buckets_.try_emplace(person);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst;
    b.refilled_at = now;
  } else if (now > b.refilled_at) {
    const double seconds = std::chrono::duration<double>(now - b.refilled_at).count();
    b.tokens = std::min(burst, b.tokens + seconds * options_.per_sec);
    b.refilled_at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return Verdict::kAllow;
  }
  if (b.noticed && now - b.noticed_at < options_.notice_every) return Verdict::kDrop;
  b.noticed = true;
  b.noticed_at = now;
  return Verdict::kDropWithNotice;
}

std::size_t FloodGuard::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void FloodGuard::Prune(Time now) {
  const double burst = std::max(1, options_.burst);
  const auto refill =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(burst / options_.per_sec));
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    const bool full = now - b.refilled_at >= refill;
    const bool notice_over = !b.noticed || now - b.noticed_at >= options_.notice_every;
    return full && notice_over;
  });
  // Everyone is still busy: forget them all rather than grow without bound.
  if (buckets_.size() >= options_.max_tracked) buckets_.clear();
}

}  // namespace vpnhub::bot
