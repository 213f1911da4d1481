#pragma once
// Pacing of outgoing Telegram messages: Telegram allows about 30 messages per second in total and
// about one per second to the same chat, and answers 429 with retry_after beyond that.
//
// Pure (time comes in as an argument) and thread-safe: every method may be called from any
// thread.
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/domain.hpp"
#include "core/time.hpp"

namespace vpnhub::telegram {

struct RateLimiterOptions {
  // Sends allowed in any window of 1 s + global_slack, all chats together. The whole allowance
  // may go at once (burst = global_per_sec); after that a slot opens when the oldest send of the
  // window leaves it. This is a sliding window rather than a refilling token bucket because a
  // token bucket of burst R lets almost 2R through in some 1 s window, which Telegram (and the
  // fake that enforces its limits) answers with 429s.
  int global_per_sec = 30;
  // Widens the window to absorb the jitter between our decision and the request's arrival at
  // Telegram (thread scheduling, connection reuse). 25 ms still allows 29.3 messages/s.
  Duration global_slack{25};
  // At most one send per chat per interval.
  Duration per_chat_interval{1000};
};

class RateLimiter {
 public:
  enum class Reason {
    kNone,    // send now
    kGlobal,  // the global window is full; a slot opens at not_before
    kChat,    // this chat had a message less than per_chat_interval ago
    kPaused,  // a 429 paused everything until not_before
  };
  struct Decision {
    bool send_now = false;
    Time not_before{};  // send_now: now; otherwise the earliest time worth asking again
    Reason reason = Reason::kNone;
  };

  explicit RateLimiter(RateLimiterOptions options = {});

  // Asks whether a message to `chat_id` may go at `now`. When it may, the send is recorded (the
  // caller is expected to send it right away) and send_now is true. Otherwise nothing is
  // recorded and not_before says when to ask again. Every message refused for a busy chat is
  // told the same time (the chat's last send + per_chat_interval): asked again in their queue
  // order, one goes and the others are told the next interval, so a chat gets its messages in
  // order (at the cost of re-asking, which only matters for long queues to one chat).
  Decision Acquire(TgId chat_id, Time now);

  // Global sends that could go at `now` (ignoring per-chat limits); 0 while paused.
  int Available(Time now) const;
  // The earliest time a send could go, globally: `now` when Available(now) > 0.
  Time NextGlobalSlot(Time now) const;

  // Telegram said 429: nothing goes until `until` (a later pause already in force stays).
  void PauseUntil(Time until);
  // The end of the pause in force at `now`, if any.
  std::optional<Time> PausedUntil(Time now) const;

  const RateLimiterOptions& options() const { return options_; }

 private:
  struct ChatState {
    Time last_sent{};
  };

  Duration Window() const { return Duration(1000) + options_.global_slack; }
  // Drops sends that left the window; requires mu_.
  void PruneLocked(Time now) const;
  // Forgets chats whose state no longer matters; requires mu_.
  void ForgetIdleChatsLocked(Time now);

  const RateLimiterOptions options_;
  mutable std::mutex mu_;
  mutable std::deque<Time> recent_;  // send times inside the window, oldest first
  std::unordered_map<TgId, ChatState> chats_;
  std::size_t forget_at_size_ = 1024;
  Time paused_until_{};
};

}  // namespace vpnhub::telegram
