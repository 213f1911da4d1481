#include "telegram/rate_limiter.hpp"

#include <algorithm>

namespace vpnhub::telegram {

RateLimiter::RateLimiter(RateLimiterOptions options) : options_(options) {}

void RateLimiter::PruneLocked(Time now) const {
  const Duration window = Window();
  while (!recent_.empty() && recent_.front() + window <= now) recent_.pop_front();
}

void RateLimiter::ForgetIdleChatsLocked(Time now) {
  for (auto it = chats_.begin(); it != chats_.end();) {
    it =
        it->second.last_sent + options_.per_chat_interval <= now ? chats_.erase(it) : std::next(it);
  }
  // Amortised: the next sweep waits until the map has doubled since this one.
  forget_at_size_ = std::max<std::size_t>(1024, 2 * chats_.size());
}

RateLimiter::Decision RateLimiter::Acquire(TgId chat_id, Time now) {
  std::lock_guard lock(mu_);
  if (now < paused_until_) return {false, paused_until_, Reason::kPaused};

  auto it = chats_.find(chat_id);
  if (it != chats_.end()) {
    const Time ready_at = it->second.last_sent + options_.per_chat_interval;
    if (now < ready_at) return {false, ready_at, Reason::kChat};
  }

  PruneLocked(now);
  const auto limit = static_cast<std::size_t>(std::max(1, options_.global_per_sec));
  if (recent_.size() >= limit) {
    return {false, recent_[recent_.size() - limit] + Window(), Reason::kGlobal};
  }

  recent_.push_back(now);
  if (chats_.size() >= forget_at_size_) ForgetIdleChatsLocked(now);
  ChatState& chat = chats_[chat_id];
  chat.last_sent = std::max(chat.last_sent, now);
  return {true, now, Reason::kNone};
}

int RateLimiter::Available(Time now) const {
  std::lock_guard lock(mu_);
  if (now < paused_until_) return 0;
  PruneLocked(now);
  const int limit = std::max(1, options_.global_per_sec);
  return std::max(0, limit - static_cast<int>(recent_.size()));
}

Time RateLimiter::NextGlobalSlot(Time now) const {
  std::lock_guard lock(mu_);
  if (now < paused_until_) return paused_until_;
  PruneLocked(now);
  const auto limit = static_cast<std::size_t>(std::max(1, options_.global_per_sec));
  if (recent_.size() < limit) return now;
  return recent_[recent_.size() - limit] + Window();
}

void RateLimiter::PauseUntil(Time until) {
  std::lock_guard lock(mu_);
  paused_until_ = std::max(paused_until_, until);
}

std::optional<Time> RateLimiter::PausedUntil(Time now) const {
  std::lock_guard lock(mu_);
  if (now < paused_until_) return paused_until_;
  return std::nullopt;
}

}  // namespace vpnhub::telegram
