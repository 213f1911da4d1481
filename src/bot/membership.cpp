#include "bot/membership.hpp"

#include <utility>

#include "metrics/registry.hpp"

namespace vpnhub::bot {

CachingMembershipChecker::CachingMembershipChecker(Fetch fetch, const ports::Clock& clock,
                                                   MembershipCacheOptions options,
                                                   metrics::Registry* metrics)
    : fetch_(std::move(fetch)), clock_(clock), options_(options) {
  if (metrics != nullptr) {
    errors_ = &metrics->GetCounter("vpnhub_bot_membership_errors_total",
                                   "Channel membership checks that failed (the person was let in)");
  }
}

bool CachingMembershipChecker::IsMember(std::int64_t user_id) {
  const Time now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(user_id);
    if (it != cache_.end() && now < it->second.expires_at) return it->second.member;
  }
  // Outside the lock: one slow getChatMember must not hold up everybody else's updates.
  Result<bool> fetched = fetch_ ? fetch_(user_id) : Result<bool>(Unavailable("no fetch"));
  if (!fetched.ok()) {
    if (errors_ != nullptr) errors_->Inc();
    Remember(user_id, Entry{true, now + options_.non_member_ttl}, now);
    return true;
  }
  const bool member = *fetched;
  Remember(user_id, Entry{member, now + (member ? options_.member_ttl : options_.non_member_ttl)},
           now);
  return member;
}

void CachingMembershipChecker::Forget(std::int64_t user_id) {
  std::lock_guard lock(mu_);
  cache_.erase(user_id);
}

void CachingMembershipChecker::Remember(std::int64_t user_id, Entry entry, Time now) {
  std::lock_guard lock(mu_);
  if (cache_.size() >= options_.max_entries) {
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires_at <= now; });
    if (cache_.size() >= options_.max_entries) cache_.clear();
  }
  cache_[user_id] = entry;
}

}  // namespace vpnhub::bot
