#include "telegram/sender.hpp"

#include <algorithm>
#include <map>

#include "metrics/registry.hpp"

namespace vpnhub::telegram {
namespace {

constexpr MessageKind kAllKinds[] = {MessageKind::kText,         MessageKind::kKeyReady,
                                     MessageKind::kExpiryNotice, MessageKind::kKeyExpired,
                                     MessageKind::kAdminAlert,   MessageKind::kKeyFailed,
                                     MessageKind::kKeyConfig};
constexpr std::size_t kMaxCaptionChars = 1024;
// Time left after a send for the store write that completes it, within the claim's lease.
constexpr Duration kStoreWriteAllowance{1000};

InlineKeyboard ToApiKeyboard(const ::vpnhub::InlineKeyboard& keyboard) {
  InlineKeyboard out;
  out.reserve(keyboard.size());
  for (const auto& row : keyboard) {
    std::vector<InlineButton> buttons;
    buttons.reserve(row.size());
    for (const auto& b : row) buttons.push_back(InlineButton{b.text, b.callback_data, b.url});
    out.push_back(std::move(buttons));
  }
  return out;
}

}  // namespace

bool FitsCaption(const std::string& text) {
  const auto chars = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // one per UTF-8 lead byte
  });
  return static_cast<std::size_t>(chars) <= kMaxCaptionChars;
}

struct Sender::Metrics {
  // A Prometheus counter per message kind, and their sum for stats().
  struct ByKind {
    void Inc(MessageKind kind) {
      total.fetch_add(1);
      counters.at(kind)->Inc();
    }
    std::map<MessageKind, metrics::Counter*> counters;
    std::atomic<std::int64_t> total{0};
  };

  explicit Metrics(metrics::Registry* registry) {
    if (registry == nullptr) {
      own = std::make_unique<metrics::Registry>();
      registry = own.get();
    }
    for (MessageKind kind : kAllKinds) {
      const metrics::Labels labels{{"kind", MessageKindName(kind)}};
      sent.counters[kind] = &registry->GetCounter("vpnhub_telegram_messages_sent_total",
                                                  "Messages Telegram accepted, by kind.", labels);
      retried.counters[kind] = &registry->GetCounter(
          "vpnhub_telegram_messages_retried_total",
          "Sends that failed (429, 5xx, network) and were rescheduled, by kind.", labels);
      failed.counters[kind] = &registry->GetCounter("vpnhub_telegram_messages_failed_total",
                                                    "Messages given up on, by kind.", labels);
    }
    too_many = &registry->GetCounter("vpnhub_telegram_429_total",
                                     "429 Too Many Requests replies from Telegram.");
    depth = &registry->GetGauge("vpnhub_telegram_queue_depth",
                                "Outgoing messages waiting to be sent (pending).");
  }

  std::unique_ptr<metrics::Registry> own;
  ByKind sent;
  ByKind retried;
  ByKind failed;
  metrics::Counter* too_many = nullptr;
  metrics::Gauge* depth = nullptr;

  std::atomic<std::int64_t> n_429{0};
  std::atomic<std::int64_t> n_paced{0};
};

Sender::Sender(ports::Store& store, usecases::BotService& bot, MessageRenderer& renderer,
               const ports::Clock& clock, BotApiOptions api, SenderOptions options,
               metrics::Registry* registry, ports::EventLog* log)
    : store_(store),
      bot_(bot),
      renderer_(renderer),
      clock_(clock),
      api_options_(std::move(api)),
      options_(std::move(options)),
      log_(log),
      limiter_(RateLimiterOptions{options_.rate_per_sec, options_.rate_slack,
                                  options_.per_chat_interval}),
      metrics_(std::make_unique<Metrics>(registry)) {}

Sender::~Sender() { Stop(); }

Status Sender::Start() {
  if (started_) return FailedPrecondition("telegram sender already started");
  if (options_.threads < 1 || options_.rate_per_sec < 1 || options_.max_attempts < 1 ||
      options_.claim_limit < 1 || options_.idle_poll <= Duration::zero()) {
    return InvalidArgument(
        "telegram sender: threads, rate, max attempts, claim limit and idle poll must be positive");
  }
  if (options_.lease <= api_options_.timeout + kStoreWriteAllowance) {
    return InvalidArgument(
        "telegram sender: the claim lease must exceed the Bot API timeout + 1 s");
  }
  started_ = true;
  stopping_.store(false);
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { Run(i); });
  return Status::Ok();
}

void Sender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  started_ = false;  // may Start again (the bot role's lease came back)
}

void Sender::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wake_seq_;
  }
  cv_.notify_all();
}

SenderStats Sender::stats() const {
  SenderStats s;
  s.sent = metrics_->sent.total.load();
  s.retried = metrics_->retried.total.load();
  s.failed = metrics_->failed.total.load();
  s.rate_limited = metrics_->n_429.load();
  s.paced = metrics_->n_paced.load();
  return s;
}

bool Sender::WaitUntil(Time until, std::optional<std::uint64_t> wake_seen) {
  std::unique_lock lock(mu_);
  const Duration wait = until - clock_.Now();
  if (wait > Duration::zero()) {
    cv_.wait_for(lock, wait,
                 [&] { return stopping() || (wake_seen.has_value() && wake_seq_ != *wake_seen); });
  }
  return !stopping();
}

std::uint64_t Sender::WakeSeq() {
  std::lock_guard lock(mu_);
  return wake_seq_;
}

Duration Sender::Backoff(int attempts) const {
  Duration d = options_.backoff_base;
  for (int i = 1; i < attempts && d < options_.backoff_max; ++i) d *= 2;
  return std::min(d, options_.backoff_max);
}

void Sender::Run(int /*index*/) {
  BotApi api(api_options_);
  while (!stopping()) {
    MaybeRefreshQueueDepth();
    const std::uint64_t wake_seen = WakeSeq();
    const Time now = clock_.Now();
    const int available = limiter_.Available(now);
    if (available == 0) {
      // Claiming now would only reschedule; wait for a slot (or the end of a 429 pause), looking
      // up every idle_poll to keep the queue-depth gauge fresh.
      WaitUntil(std::min(limiter_.NextGlobalSlot(now), now + options_.idle_poll), std::nullopt);
      continue;
    }
    std::vector<OutgoingMessage> batch;
    const int limit = std::min(options_.claim_limit, available);
    const Status claimed =
        store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
          VPNHUB_ASSIGN_OR_RETURN(auto r, tx.messages().ClaimMessages(now, options_.lease, limit));
          batch = std::move(r);
          return Status::Ok();
        });
    CheckStore(claimed, "claim", 0);
    if (!claimed.ok() || batch.empty()) {
      WaitUntil(now + options_.idle_poll,
                claimed.ok() ? std::optional<std::uint64_t>(wake_seen) : std::nullopt);
      continue;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (stopping()) {
        // Give the rest back at once, so that the next start need not wait for the lease.
        for (std::size_t j = i; j < batch.size(); ++j) {
          Reschedule(batch[j], clock_.Now(), "sender stopped", false);
        }
        break;
      }
      Process(api, batch[i], now);
    }
  }
}

Time Sender::SendDeadline(Time claimed_at) const {
  // A send started by then ends (at the latest when the BotApi times out) while the claim's lease
  // still holds, so no other sender can have claimed the message in the meantime.
  // (One request; the rare two-request forms, photo + long text or a refused edit, may overrun.)
  const Duration margin = std::max(api_options_.timeout + kStoreWriteAllowance, options_.lease / 2);
  return claimed_at + options_.lease - margin;
}

bool Sender::SeenBlocked(const OutgoingMessage& message) {
  std::lock_guard lock(blocked_mu_);
  auto it = blocked_seen_.find(message.chat_id);
  return it != blocked_seen_.end() && message.created_at <= it->second;
}

void Sender::RememberBlocked(TgId chat_id) {
  const Time now = clock_.Now();
  std::lock_guard lock(blocked_mu_);
  // Past two leases every message claimed before the block was seen has been dealt with.
  for (auto it = blocked_seen_.begin(); it != blocked_seen_.end();) {
    it = now - it->second > 2 * options_.lease ? blocked_seen_.erase(it) : std::next(it);
  }
  blocked_seen_[chat_id] = now;
}

void Sender::Process(BotApi& api, const OutgoingMessage& message, Time claimed_at) {
  if (SeenBlocked(message)) {
    Fail(message, "skipped: the person blocked the bot");
    return;
  }
  const Time deadline = SendDeadline(claimed_at);
  if (clock_.Now() > deadline) {
    Reschedule(message, clock_.Now(), "claim too old to send", false);
    return;
  }
  // Rendered before asking the limiter, so that the send follows the decision at once: the
  // limiter's window only holds if sends reach Telegram in the order and spacing it decided.
  Result<Rendered> rendered = renderer_.Render(message);
  if (!rendered.ok()) {
    const Status& st = rendered.status();
    const std::string error = "render: " + st.ToString();
    if (st.retryable()) {
      RetryOrFail(message, error);
    } else {
      Fail(message, error);
    }
    return;
  }

  // Checked before the limiter records a send; an inline wait below ends by the deadline too.
  if (clock_.Now() > deadline) {
    Reschedule(message, clock_.Now(), "claim too old to send", false);
    return;
  }
  for (;;) {
    const Time now = clock_.Now();
    const RateLimiter::Decision d = limiter_.Acquire(message.chat_id, now);
    if (d.send_now) break;
    const bool short_global_wait = d.reason == RateLimiter::Reason::kGlobal &&
                                   d.not_before - now <= options_.max_inline_wait &&
                                   d.not_before <= deadline;
    if (short_global_wait) {
      if (!WaitUntil(d.not_before, std::nullopt)) {
        Reschedule(message, clock_.Now(), "sender stopped", false);
        return;
      }
      continue;
    }
    metrics_->n_paced.fetch_add(1);
    Reschedule(message, d.not_before,
               d.reason == RateLimiter::Reason::kPaused ? "paused after 429" : "paced", false);
    return;
  }

  const Status st = Deliver(api, message.chat_id, *rendered);
  if (st.ok()) {
    Complete(message, rendered->follow_up);
    return;
  }
  HandleSendError(api, message, st);
}

Status Sender::Deliver(BotApi& api, TgId chat_id, const Rendered& r) {
  const InlineKeyboard keyboard = ToApiKeyboard(r.keyboard);
  if (r.png.has_value()) {
    if (FitsCaption(r.text)) {
      auto id = api.SendPhoto(chat_id, *r.png, r.text, keyboard);
      return id.ok() ? Status::Ok() : id.status();
    }
    VPNHUB_RETURN_IF_ERROR(api.SendPhoto(chat_id, *r.png));
    // Falls through to the text. A failure of the text after the photo went repeats the photo on
    // retry; rare (only texts over 1024 characters) and harmless.
  } else if (r.document.has_value()) {
    const bool captioned = FitsCaption(r.text);
    auto id = api.SendDocument(chat_id, r.document->file_name, r.document->content,
                               captioned ? r.text : "", captioned ? keyboard : InlineKeyboard{});
    if (!id.ok()) return id.status();
    if (captioned || r.text.empty()) return Status::Ok();
    // Falls through to the text, as after a photo.
  } else if (r.edit_message_id != 0) {
    const Status edited = api.EditMessageText(chat_id, r.edit_message_id, r.text, keyboard);
    // 400: the message is gone or can no longer be edited; the person still gets the content.
    if (edited.code() != StatusCode::kInvalidArgument) return edited;
  }
  SendMessageRequest request;
  request.chat_id = chat_id;
  request.text = r.text;
  request.keyboard = keyboard;
  auto id = api.SendMessage(request);
  return id.ok() ? Status::Ok() : id.status();
}

void Sender::HandleSendError(BotApi& api, const OutgoingMessage& message, const Status& status) {
  const ApiError& e = api.last_error();
  const Time now = clock_.Now();
  switch (status.code()) {
    case StatusCode::kResourceExhausted: {
      const Time until = now + std::chrono::seconds(std::max(1, e.retry_after_sec));
      limiter_.PauseUntil(until);
      metrics_->n_429.fetch_add(1);
      metrics_->too_many->Inc();
      metrics_->retried.Inc(message.kind);
      if (log_ != nullptr) {
        log_->Warn("telegram.rate_limited",
                   {{"message_id", message.id}, {"retry_after_sec", e.retry_after_sec}});
      }
      Reschedule(message, until, status.message(), false);
      return;
    }
    case StatusCode::kPermissionDenied: {
      Fail(message, status.message());
      if (e.blocked) {
        RememberBlocked(message.chat_id);
        const Status marked = bot_.MarkBlocked(message.chat_id);
        if (log_ != nullptr) {
          log_->Info("telegram.chat_blocked",
                     {{"chat_id", message.chat_id}, {"marked", marked.ok()}});
        }
        CheckStore(marked, "mark blocked", message.id);
      }
      return;
    }
    case StatusCode::kFailedPrecondition: {
      if (!token_rejected_.exchange(true) && log_ != nullptr) {
        log_->Error("telegram.token_rejected", {{"error", status.message()}});
      }
      metrics_->retried.Inc(message.kind);
      Reschedule(message, now + options_.token_retry, status.message(), false);
      return;
    }
    case StatusCode::kInvalidArgument:
      Fail(message, status.message());
      return;
    default:
      RetryOrFail(message, status.message());
      return;
  }
}

void Sender::RetryOrFail(const OutgoingMessage& message, const std::string& error) {
  if (message.attempts >= options_.max_attempts) {
    Fail(message, error + " (gave up after " + std::to_string(message.attempts) + " attempts)");
    return;
  }
  metrics_->retried.Inc(message.kind);
  if (log_ != nullptr) {
    log_->Warn("telegram.send_failed", {{"message_id", message.id},
                                        {"kind", MessageKindName(message.kind)},
                                        {"attempts", message.attempts},
                                        {"error", error}});
  }
  Reschedule(message, clock_.Now() + Backoff(message.attempts), error, true);
}

void Sender::Fail(const OutgoingMessage& message, const std::string& error) {
  const Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) {
    return tx.messages().FailMessage(message.id, error, clock_.Now());
  });
  CheckStore(st, "fail", message.id);
  // Not recorded: the message stays claimed, its lease runs out and it is tried again, so it has
  // not failed (yet) and saying so would be false.
  if (!st.ok()) return;
  metrics_->failed.Inc(message.kind);
  if (log_ != nullptr) {
    log_->Warn("telegram.message_failed", {{"message_id", message.id},
                                           {"kind", MessageKindName(message.kind)},
                                           {"chat_id", message.chat_id},
                                           {"error", error}});
  }
}

void Sender::Reschedule(const OutgoingMessage& message, Time next, const std::string& error,
                        bool count_attempt) {
  const Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(message.id, next, error, count_attempt, clock_.Now());
  });
  CheckStore(st, "reschedule", message.id);
}

void Sender::Complete(const OutgoingMessage& message,
                      const std::optional<OutgoingMessage>& follow_up) {
  token_rejected_.store(false);
  const Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    const Time now = clock_.Now();
    VPNHUB_RETURN_IF_ERROR(tx.messages().CompleteMessage(message.id, now));
    if (!follow_up.has_value()) return Status::Ok();
    // Not when the lease ran out (kConflict above): the sender that took the message over sends
    // it again and queues the follow-up then, once.
    OutgoingMessage next = *follow_up;
    next.next_attempt_at = now;
    return tx.messages().EnqueueMessage(next).status();
  });
  CheckStore(st, "complete", message.id);
  metrics_->sent.Inc(message.kind);
  if (st.ok() && follow_up.has_value()) Wake();
}

void Sender::CheckStore(const Status& status, const char* what, Id message_id) {
  if (status.ok()) {
    store_failing_.store(false);
    return;
  }
  // kConflict: the claim's lease ran out and another sender took the message over.
  if (status.code() != StatusCode::kConflict && store_failing_.exchange(true)) return;
  if (log_ != nullptr) {
    log_->Warn("telegram.store_error",
               {{"op", what}, {"message_id", message_id}, {"error", status.ToString()}});
  }
}

void Sender::MaybeRefreshQueueDepth() {
  const std::int64_t now_ms = ToUnixMs(clock_.Now());
  std::int64_t last = depth_refreshed_ms_.load();
  if (last != 0 && now_ms - last < options_.queue_depth_refresh.count()) return;
  if (!depth_refreshed_ms_.compare_exchange_strong(last, now_ms)) return;  // another thread does
  std::int64_t pending = 0;
  // One range of the state index: the pending messages, not the users, keys or sent history.
  const Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto count, tx.messages().CountMessages(MessageState::kPending));
    pending = count;
    return Status::Ok();
  });
  if (st.ok()) metrics_->depth->Set(static_cast<double>(pending));
}

}  // namespace vpnhub::telegram
