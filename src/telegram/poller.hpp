#pragma once
// Long polling of the Bot API: one thread runs getUpdates in a loop and hands every update to a
// dispatcher (the wiring posts it to a worker pool that runs the bot's router), so handling never
// holds up polling. The offset is kept in the store (BotService::SaveUpdateOffset) after each
// batch is handed over, so a restart resumes where the last run stopped.
//
// Delivery: an update is handed over at least once. The offset is saved after the batch is
// dispatched (or, when Stop() cuts a batch short, by Stop for what was handed over), so a crash
// in between hands that batch over again on the next start (the router drops the updates already
// handled: BotService::FirstDelivery). A dispatcher that drops updates (a full pool) loses them:
// Telegram has confirmed them by then.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/ports/event_log.hpp"
#include "core/status.hpp"
#include "core/usecases/bot_service.hpp"
#include "metrics/fwd.hpp"
#include "telegram/bot_api.hpp"
#include "telegram/types.hpp"

namespace vpnhub::telegram {

// Called on the polling thread for every update, in update_id order, with no lock of the
// poller's held. Should return quickly (post the update elsewhere); it may block for a while (a
// full pool pushing back), which holds up polling but never Stop(). An exception it throws is
// logged and the update skipped.
using UpdateDispatcher = std::function<void(Update)>;

struct PollerOptions {
  int poll_timeout_sec = 25;  // getUpdates long-poll timeout; a few seconds in tests
  std::vector<std::string> allowed_updates = HandledUpdateKinds();
  int limit = 100;  // updates per getUpdates call
  // Polling mode and a webhook exclude each other (getUpdates answers 409 while a webhook is
  // set): Start() removes a webhook left over from a previous webhook-mode run.
  bool delete_webhook = true;
  std::chrono::milliseconds backoff_base{1000};  // after a failed poll: 1 s, 2 s, 4 s ...
  std::chrono::milliseconds backoff_max{30000};
  // How long Stop() waits for a poll (or a dispatch) in flight. The BotApi cannot cancel a
  // transfer, so a poll still running after this is left to finish on its own (at most
  // poll_timeout_sec + the BotApi's grace); it then exits without touching the dispatcher or the
  // store.
  std::chrono::milliseconds stop_wait{1000};
};

// Thread safety: Start, Stop and the destructor from one controlling thread; offset() from any.
class Poller {
 public:
  // `bot` and `registry`/`log` (both optional) must outlive the Poller. `registry` receives
  // vpnhub_telegram_updates_total and vpnhub_telegram_poll_errors_total; `log` gets
  // telegram.poll_failed (once per streak of failures), telegram.poll_recovered,
  // telegram.dispatch_failed and telegram.offset_save_failed.
  Poller(usecases::BotService& bot, BotApiOptions api, UpdateDispatcher dispatch,
         PollerOptions options = {}, metrics::Registry* registry = nullptr,
         ports::EventLog* log = nullptr);
  ~Poller();  // Stop()s
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Checks the token with getMe, removes a webhook (see PollerOptions::delete_webhook), loads
  // the stored offset and starts the polling thread. Errors (the poller does not start):
  //   kFailedPrecondition  Telegram rejected the token (401/404): the message names TG_TOKEN
  //   kInvalidArgument     bad options
  //   the store's error    the offset could not be read
  // A network failure of getMe is not fatal: it is logged and the loop keeps trying.
  Status Start();
  // Stops polling: returns once the thread has finished (then saves the offset of a batch it cut
  // short, so a clean stop hands nothing over twice), or after options.stop_wait with a poll, a
  // dispatch or an offset save still in flight. Such a call finishes on its own (a dispatcher
  // still running after Stop returned must be able to: e.g. the pool it posts to is stopped next,
  // which releases it); no dispatch starts and no offset is saved after Stop returns, and the
  // rest of a batch cut short is handed over again at the next Start. Safe to call twice and
  // without Start.
  void Stop();

  // The next offset to ask for (last handed-over update_id + 1).
  std::int64_t offset() const;
  // The bot's own user as getMe returned it at Start (empty if getMe failed).
  const TgUser& me() const { return me_; }

 private:
  struct Shared;
  static void Loop(std::shared_ptr<Shared> shared);

  usecases::BotService& bot_;
  BotApiOptions api_options_;
  UpdateDispatcher dispatch_;
  PollerOptions options_;
  metrics::Registry* registry_;
  ports::EventLog* log_;
  TgUser me_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace vpnhub::telegram
