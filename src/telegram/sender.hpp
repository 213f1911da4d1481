#pragma once
// The outbound side of the bot: sends the persistent queue of outgoing messages (the
// outgoing_messages table behind ports::Store) through the Bot API, paced by a RateLimiter.
//
// Delivery: a message is claimed (state sending, with a lease), rendered, sent, and then marked
// sent. It is never sent twice on purpose; but a crash (or a lost store write) between
// Telegram's OK and CompleteMessage leaves it sending, and when its lease ends another claim sends
// it again. That window is one HTTP reply long; Telegram offers no idempotency key to close it.
//
// Outcomes of one send:
//   OK                        -> CompleteMessage (and EnqueueMessage of the rendered follow_up,
//                                in the same transaction)
//   429                       -> the limiter pauses every send for retry_after; the message is
//                                rescheduled for then without counting an attempt
//   403 (blocked/deactivated) -> FailMessage, and BotService::MarkBlocked for the chat (which
//                                drops what is still queued for them); messages to the chat this
//                                sender had already claimed are failed without a call. The core
//                                enqueues nothing for a blocked person until they write again
//   other 4xx (bad request)   -> FailMessage
//   401/404 (token rejected)  -> rescheduled in a minute without counting an attempt (the token
//                                is the operator's to fix; the messages are not at fault)
//   5xx / network / timeout   -> rescheduled after 1 s, 2 s, 4 s ... (at most backoff_max);
//                                after max_attempts attempts FailMessage
//   render kNotFound etc.     -> FailMessage (retryable render errors are retried like 5xx)
// Order: messages go out in claim order (priority, due time, id). With more than one sender
// thread, two messages to the same chat claimed by different threads may swap places.
// Pacing (the limiter says "not now" for this chat, or everything is paused) reschedules the
// message for the time the limiter names without counting an attempt; a short wait for a global
// slot happens in the sending thread instead, so that a burst does not churn the database.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/bot_service.hpp"
#include "metrics/fwd.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/rate_limiter.hpp"

namespace vpnhub::telegram {

// Whether `text` fits a photo's caption (1024 characters): counted as UTF-8 code points, tags
// and entities included, which overestimates what Telegram counts and only errs towards sending
// the text as a message of its own after the photo.
bool FitsCaption(const std::string& text);

// What one outgoing message looks like on the wire.
struct Rendered {
  std::string text;                   // Telegram HTML; the photo's caption when png is set
  ::vpnhub::InlineKeyboard keyboard;  // empty = none
  // A photo (PNG bytes) sent with sendPhoto, text as its caption. A text too long for a caption
  // (over 1024 characters) goes as a separate message after the photo.
  std::optional<std::string> png;
  // Edit this message of the chat instead of sending a new one (ignored with a photo). When the
  // edit is refused (message gone, too old) a new message is sent instead.
  std::int64_t edit_message_id = 0;
  // A file sent with sendDocument (ignored with a photo), text as its caption; a text too long
  // for a caption goes as a separate message after the document.
  struct Document {
    std::string file_name;
    std::string content;
  };
  std::optional<Document> document;
  // A message to queue once this one was sent, in the same store write that marks it sent (so it
  // exists only after Telegram took this one, goes after it, and is queued once). Its
  // next_attempt_at is set to the time of that write.
  std::optional<::vpnhub::OutgoingMessage> follow_up;
};

// Turns a queued message into what is sent. Called from the sender threads: implementations must
// be thread-safe.
class MessageRenderer {
 public:
  virtual ~MessageRenderer() = default;
  // Errors: kNotFound when the message's subject is gone or not the chat's own (the message
  // fails); retryable codes (kUnavailable, ...) when a remote or the database is down (the
  // message is retried with backoff); anything else fails the message.
  virtual Result<Rendered> Render(const OutgoingMessage& message) = 0;
};

struct SenderOptions {
  int rate_per_sec = 30;             // RateLimiterOptions::global_per_sec
  Duration rate_slack{25};           // RateLimiterOptions::global_slack
  Duration per_chat_interval{1000};  // RateLimiterOptions::per_chat_interval
  int threads = 2;                   // sender threads, each with its own BotApi
  int max_attempts = 8;              // failed attempts (5xx/network) before giving up
  // Claim lease: a crashed sender's claims free up then. Must exceed the BotApi timeout + 1 s; a
  // claimed message is only sent while the rest of its lease covers one request and the store
  // write after it, so that no other sender can have taken it over meanwhile.
  Duration lease{30000};
  int claim_limit = 16;                // messages claimed per store transaction
  Duration idle_poll{200};             // idle threads look at the queue this often
  Duration backoff_base{1000};         // first retry delay after a 5xx/network error
  Duration backoff_max{300000};        // longest retry delay
  Duration token_retry{60000};         // retry delay after 401/404 (token rejected)
  Duration queue_depth_refresh{2000};  // the queue-depth gauge is read from the store this often
  Duration max_inline_wait{1500};      // longer waits for a global slot reschedule instead
};

// Counts since construction (the same numbers as the metrics).
struct SenderStats {
  std::int64_t sent = 0;
  std::int64_t retried = 0;       // sends that failed and will be tried again (429, 5xx, network)
  std::int64_t failed = 0;        // messages given up on
  std::int64_t rate_limited = 0;  // 429 replies
  std::int64_t paced = 0;         // reschedules by the limiter (no attempt counted)
};

// Thread safety: Start, Stop and the destructor from one controlling thread; Wake, stats() and
// limiter() from any thread.
class Sender {
 public:
  // Everything passed by reference must outlive the Sender. `registry` (optional) receives
  //   vpnhub_telegram_messages_sent_total{kind}, vpnhub_telegram_messages_retried_total{kind},
  //   vpnhub_telegram_messages_failed_total{kind}, vpnhub_telegram_429_total and the gauge
  //   vpnhub_telegram_queue_depth (pending messages, refreshed at most every
  //   queue_depth_refresh);
  // `log` (optional) gets telegram.* events: send_failed, message_failed, rate_limited,
  // chat_blocked, store_error (once per streak), token_rejected.
  Sender(ports::Store& store, usecases::BotService& bot, MessageRenderer& renderer,
         const ports::Clock& clock, BotApiOptions api, SenderOptions options = {},
         metrics::Registry* registry = nullptr, ports::EventLog* log = nullptr);
  ~Sender();  // Stop()s
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Starts the sender threads. kFailedPrecondition when already started, kInvalidArgument for
  // bad options (including a lease not longer than the BotApi timeout + 1 s).
  Status Start();
  // Stops claiming, gives claimed-but-unsent messages back to the queue (due at once, no attempt
  // counted) and joins the threads. A send in flight finishes first (at most the BotApi timeout).
  // Safe to call twice and without Start; Start may be called again afterwards.
  void Stop();
  // Something was enqueued: idle threads look at the queue now instead of at their next poll.
  void Wake();

  SenderStats stats() const;
  RateLimiter& limiter() { return limiter_; }

 private:
  struct Metrics;

  void Run(int index);
  void Process(BotApi& api, const OutgoingMessage& message, Time claimed_at);
  Status Deliver(BotApi& api, TgId chat_id, const Rendered& rendered);
  void HandleSendError(BotApi& api, const OutgoingMessage& message, const Status& status);
  void RetryOrFail(const OutgoingMessage& message, const std::string& error);
  void Fail(const OutgoingMessage& message, const std::string& error);
  void Reschedule(const OutgoingMessage& message, Time next, const std::string& error,
                  bool count_attempt);
  void Complete(const OutgoingMessage& message, const std::optional<OutgoingMessage>& follow_up);
  void CheckStore(const Status& status, const char* what, Id message_id);
  void MaybeRefreshQueueDepth();
  // Waits until `until` (as the clock tells), Stop, or a Wake after `wake_seen` when given.
  // Returns false when stopping.
  bool WaitUntil(Time until, std::optional<std::uint64_t> wake_seen);
  std::uint64_t WakeSeq();
  Duration Backoff(int attempts) const;
  // The last moment a claimed message may still be sent (see sender.cpp).
  Time SendDeadline(Time claimed_at) const;
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  ports::Store& store_;
  usecases::BotService& bot_;
  MessageRenderer& renderer_;
  const ports::Clock& clock_;
  const BotApiOptions api_options_;
  const SenderOptions options_;
  ports::EventLog* log_;
  RateLimiter limiter_;
  std::unique_ptr<Metrics> metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t wake_seq_ = 0;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::vector<std::thread> threads_;

  std::atomic<std::int64_t> depth_refreshed_ms_{0};
  std::atomic<bool> store_failing_{false};
  std::atomic<bool> token_rejected_{false};
  // Chats seen blocking the bot, and when: messages to them queued before then, already claimed
  // by a sender when the store dropped the rest, are skipped rather than refused again.
  bool SeenBlocked(const OutgoingMessage& message);
  void RememberBlocked(TgId chat_id);
  std::mutex blocked_mu_;
  std::unordered_map<TgId, Time> blocked_seen_;
};

}  // namespace vpnhub::telegram
