#include "telegram/poller.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>

#include "metrics/registry.hpp"

namespace vpnhub::telegram {

// Everything the polling thread touches. It is shared so that a thread left behind by Stop()
// (a poll or a dispatch still in flight) keeps its BotApi and flags alive. What belongs to the
// Poller's owner (the dispatcher, the BotService, metrics, log) is used only while !stopping:
// checked under `mu`, which the loop never holds while calling out (a dispatcher may block on a
// full handler pool; Stop must not wait behind it).
struct Poller::Shared {
  Shared(BotApi api_in, UpdateDispatcher dispatch_in, PollerOptions options_in)
      : api(std::move(api_in)), dispatch(std::move(dispatch_in)), options(std::move(options_in)) {}

  std::optional<BotApi> api;  // reset when the loop ends, closing its connection
  const UpdateDispatcher dispatch;
  const PollerOptions options;
  usecases::BotService* bot = nullptr;
  ports::EventLog* log = nullptr;
  metrics::Counter* updates = nullptr;
  metrics::Counter* errors = nullptr;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool done = false;
  std::atomic<std::int64_t> offset{0};  // last handed-over update_id + 1
  std::int64_t saved_offset = 0;        // as last stored; under `mu`
};

Poller::Poller(usecases::BotService& bot, BotApiOptions api, UpdateDispatcher dispatch,
               PollerOptions options, metrics::Registry* registry, ports::EventLog* log)
    : bot_(bot),
      api_options_(std::move(api)),
      dispatch_(std::move(dispatch)),
      options_(std::move(options)),
      registry_(registry),
      log_(log) {}

Poller::~Poller() { Stop(); }

Status Poller::Start() {
  if (shared_ != nullptr) return FailedPrecondition("telegram poller already started");
  if (options_.poll_timeout_sec < 0 || options_.limit < 1 || options_.limit > 100 ||
      options_.backoff_base <= std::chrono::milliseconds::zero() || !dispatch_) {
    return InvalidArgument(
        "telegram poller: poll timeout must be >= 0, limit 1..100, backoff positive and a "
        "dispatcher set");
  }
  BotApi api(api_options_);
  auto me = api.GetMe();
  if (!me.ok()) {
    if (me.status().code() == StatusCode::kFailedPrecondition) {
      return FailedPrecondition("TG_TOKEN was rejected by Telegram (" + me.status().message() +
                                "); set TG_TOKEN to the token @BotFather gave the bot");
    }
    // Telegram unreachable right now: the loop keeps trying with backoff.
    if (log_ != nullptr) log_->Warn("telegram.get_me_failed", {{"error", me.status().message()}});
  } else {
    me_ = *me;
  }
  if (options_.delete_webhook && me.ok()) {
    const Status st = api.DeleteWebhook(/*drop_pending_updates=*/false);
    if (!st.ok() && log_ != nullptr) {
      log_->Warn("telegram.delete_webhook_failed", {{"error", st.message()}});
    }
  }
  VPNHUB_ASSIGN_OR_RETURN(auto offset, bot_.LoadUpdateOffset());

  auto shared = std::make_shared<Shared>(std::move(api), dispatch_, options_);
  shared->bot = &bot_;
  shared->log = log_;
  if (registry_ != nullptr) {
    shared->updates = &registry_->GetCounter("vpnhub_telegram_updates_total",
                                             "Updates received by long polling.");
    shared->errors = &registry_->GetCounter("vpnhub_telegram_poll_errors_total",
                                            "getUpdates calls that failed.");
  }
  shared->offset.store(offset);
  shared->saved_offset = offset;
  shared_ = shared;
  thread_ = std::thread(&Poller::Loop, std::move(shared));
  return Status::Ok();
}

void Poller::Stop() {
  if (shared_ == nullptr || !thread_.joinable()) return;
  bool done = false;
  {
    std::unique_lock lock(shared_->mu);
    shared_->stopping = true;
    shared_->cv.notify_all();
    done = shared_->cv.wait_for(lock, options_.stop_wait, [&] { return shared_->done; });
  }
  if (!done) {
    thread_.detach();  // the batch cut short is handed over again at the next start
    return;
  }
  thread_.join();
  // A batch cut short by Stop: confirm what was handed over, here on the owner's thread.
  const std::int64_t handed_over = shared_->offset.load();
  if (handed_over != shared_->saved_offset) {
    const Status saved = bot_.SaveUpdateOffset(handed_over);
    if (saved.ok()) {
      shared_->saved_offset = handed_over;
    } else if (log_ != nullptr) {
      log_->Warn("telegram.offset_save_failed", {{"error", saved.ToString()}});
    }
  }
}

std::int64_t Poller::offset() const { return shared_ == nullptr ? 0 : shared_->offset.load(); }

void Poller::Loop(std::shared_ptr<Shared> shared) {
  Shared& s = *shared;
  const PollerOptions& o = s.options;
  int failures = 0;
  std::chrono::milliseconds backoff = o.backoff_base;
  for (;;) {
    {
      std::lock_guard lock(s.mu);
      if (s.stopping) break;
    }
    auto updates =
        s.api->GetUpdates(s.offset.load(), o.poll_timeout_sec, o.allowed_updates, o.limit);

    std::unique_lock lock(s.mu);
    if (s.stopping) break;
    if (!updates.ok()) {
      if (s.errors != nullptr) s.errors->Inc();
      if (++failures == 1 && s.log != nullptr) {
        // 409: another poller runs with this token, or a webhook is set.
        s.log->Warn("telegram.poll_failed", {{"error", updates.status().message()},
                                             {"http_status", s.api->last_error().http_status}});
      }
      std::chrono::milliseconds wait = backoff;
      if (updates.status().code() == StatusCode::kResourceExhausted) {
        wait = std::max<std::chrono::milliseconds>(
            wait, std::chrono::seconds(s.api->last_error().retry_after_sec));
      }
      backoff = std::min(backoff * 2, o.backoff_max);
      s.cv.wait_for(lock, wait, [&] { return s.stopping; });
      continue;
    }
    if (failures > 0) {
      if (s.log != nullptr) s.log->Info("telegram.poll_recovered", {{"failures", failures}});
      failures = 0;
      backoff = o.backoff_base;
    }
    if (updates->empty()) continue;

    // Hand the batch over one update at a time without holding `mu`. Once Stop was called
    // nothing more is dispatched: Stop itself confirms what was handed over when the thread
    // finished in time; otherwise the next start is given the rest of the batch again (the
    // router drops what was handled: each update_id once).
    for (Update& u : *updates) {
      if (s.stopping) break;
      if (u.update_id < s.offset.load()) continue;  // already handed over
      const std::int64_t id = u.update_id;
      if (s.updates != nullptr) s.updates->Inc();
      std::string error;
      lock.unlock();
      try {
        s.dispatch(std::move(u));
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown";
      }
      lock.lock();
      s.offset.store(id + 1);
      if (!error.empty() && !s.stopping && s.log != nullptr) {
        s.log->Error("telegram.dispatch_failed", {{"error", error}});
      }
    }
    if (s.stopping) break;
    const std::int64_t next = s.offset.load();
    lock.unlock();
    const Status saved = s.bot->SaveUpdateOffset(next);
    lock.lock();
    if (saved.ok()) s.saved_offset = next;
    if (!saved.ok() && !s.stopping && s.log != nullptr) {
      s.log->Warn("telegram.offset_save_failed", {{"error", saved.ToString()}});
    }
  }
  s.api.reset();
  {
    std::lock_guard lock(s.mu);
    s.done = true;
  }
  s.cv.notify_all();
}

}  // namespace vpnhub::telegram
