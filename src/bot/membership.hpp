#pragma once
// The CHECK_FOLLOW gate: is a person a member of the operator's channel?
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "core/ports/clock.hpp"
#include "core/status.hpp"
#include "core/time.hpp"
#include "metrics/fwd.hpp"

namespace vpnhub::bot {

// Thread-safe: the router calls it from every worker.
class MembershipChecker {
 public:
  virtual ~MembershipChecker() = default;
  // True when the person may use the bot: a member of the channel, or the answer could not be
  // had (the gate fails open rather than locking everybody out while Telegram is unreachable).
  virtual bool IsMember(std::int64_t user_id) = 0;
  // Drops what is known about the person, so that the next IsMember asks again (the re-check
  // button).
  virtual void Forget(std::int64_t user_id) = 0;
};

struct MembershipCacheOptions {
  Duration member_ttl{std::chrono::minutes(5)};       // how long a "member" answer is kept
  Duration non_member_ttl{std::chrono::seconds(30)};  // "not a member", and failed fetches
  // Past this many entries the expired ones are dropped (and if that is not enough, all).
  std::size_t max_entries = 100000;
};

// Asks `fetch` (wired to getChatMember on the channel) at most once per person per TTL.
// A failed fetch counts in vpnhub_bot_membership_errors_total and allows the person; that answer
// is kept for non_member_ttl so a Telegram outage does not turn every update into a failing call.
class CachingMembershipChecker final : public MembershipChecker {
 public:
  // fetch: Ok(true) member, Ok(false) not a member, an error when Telegram did not answer.
  // Called without any lock held, possibly from several threads at once.
  using Fetch = std::function<Result<bool>(std::int64_t user_id)>;

  CachingMembershipChecker(Fetch fetch, const ports::Clock& clock,
                           MembershipCacheOptions options = {},
                           metrics::Registry* metrics = nullptr);

  bool IsMember(std::int64_t user_id) override;
  void Forget(std::int64_t user_id) override;

 private:
  struct Entry {
    bool member = false;
    Time expires_at{};
  };
  void Remember(std::int64_t user_id, Entry entry, Time now);

  Fetch fetch_;
  const ports::Clock& clock_;
  MembershipCacheOptions options_;
  metrics::Counter* errors_ = nullptr;
  std::mutex mu_;
  std::unordered_map<std::int64_t, Entry> cache_;
};

}  // namespace vpnhub::bot
