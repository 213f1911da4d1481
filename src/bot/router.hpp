#pragma once
// Turns Telegram updates into use-case calls and replies. Parsing, the channel gate and the
// admin check happen here, in one place; every decision and database change is BotService's.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "bot/flood_guard.hpp"
#include "bot/membership.hpp"
#include "core/ports/clock.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/bot_service.hpp"
#include "metrics/fwd.hpp"
#include "telegram/types.hpp"

namespace vpnhub::bot {

struct RouterOptions {
  std::string service_name = "VPNHub";  // {name} in the welcome and help texts
  // CHECK_FOLLOW: people must be members of the channel (asked through the MembershipChecker)
  // before any flow runs.
  bool check_follow = false;
  std::int64_t id_channel = 0;  // the channel the MembershipChecker asks about (wiring only)
  std::string link_channel;     // https://t.me/... for the "join" button
  std::string name_channel;     // shown in the "join {channel}" texts
  // Answers a callback query: stops the button's spinner; a non-empty text (plain, at most 200
  // characters) shows as a toast. Called exactly once per callback query handled, on the thread
  // running Handle, after the replies are enqueued (not for one dropped by the flood guard or as
  // a redelivery). May be empty (then nothing is called).
  std::function<void(std::string callback_query_id, std::string text)> answer_callback;
  // Answers a pre_checkout_query (Telegram cancels the payment unless it is answered within
  // 10 s): ok, or not ok with a plain text Telegram shows the payer. Called exactly once per
  // pre_checkout_query handled, on the thread running Handle. May be empty (then the query is
  // left to time out: nothing is sold).
  std::function<void(std::string pre_checkout_query_id, bool ok, std::string error_message)>
      answer_pre_checkout;
  // A successful_payment that could not be recorded (the store stayed unavailable through every
  // retry, or the payment cannot be read as one of ours): Telegram took the money and will not
  // hand the update over again, so the wiring logs it and alerts the admins. `charge_id` is the
  // provider's payment id (may be empty), `error` says why. May be empty.
  std::function<void(TgId payer, std::string charge_id, std::string error)> payment_not_recorded;
  // How often and how patiently a successful_payment is credited again when the store is
  // unavailable (kUnavailable: nothing was recorded): `attempts` in all, waiting `backoff`,
  // doubled after each failure, in between.
  int payment_attempts = 5;
  std::chrono::milliseconds payment_backoff{200};
  // The bot's username (getMe, without '@') for invite links; empty while unknown (the referral
  // screen then shows the bare code). Called on the handler thread. May be empty.
  std::function<std::string()> bot_username;
  // Subscription links (issue 18): the URL of the person with this user id at this
  // User::sub_version (subscription::SubscriptionUrl over SUBSCRIPTION_BASE_URL). Empty = links
  // are off: 🔑 My keys shows no link and the rotate buttons answer "out of date". The router
  // only ever calls it with the id of the person who sent the update.
  std::function<std::string(Id user_id, std::int64_t sub_version)> subscription_url;
  // The per-person limit on updates (see FloodGuard); per_sec <= 0 turns it off.
  FloodGuardOptions flood;
};

// Thread-safe: Handle may run on many workers at once (never on the poller thread: it blocks on
// the database). Replies go to the persistent queue through BotService::Send (or with
// StartTrial), addressed to the person (chat_id = their Telegram id), kind kText, priority
// kReply; a key's link is a kKeyReady message the renderer turns into link + QR.
class Router {
 public:
  // `membership` may be null when check_follow is off; `metrics` may be null; `billing` null
  // = nothing is sold (pre-checkout queries are refused, payments reported as not recorded).
  Router(usecases::BotService& service, MembershipChecker* membership, RouterOptions options,
         const ports::Clock& clock, metrics::Registry* metrics,
         usecases::BillingService* billing = nullptr);

  // Handles one update: private chats only; every sender is registered or refreshed first
  // (BotService::Touch). Never throws: a failure counts in vpnhub_bot_update_errors_total and
  // the person gets a generic "something went wrong" when that can still be enqueued.
  // Before anything else two gates drop an update (counted in
  // vpnhub_bot_updates_dropped_total{reason}): the flood guard ("flood": the person sent more
  // than options.flood allows; at most one "slow down" reply per notice window), then
  // BotService::FirstDelivery ("duplicate": this update_id was handled already, by this or
  // another instance). When the redelivery check cannot reach the store the update is handled.
  // Payments pass neither gate: a pre_checkout_query is answered (ok only when
  // BillingService::CheckPreCheckout says so) and a message with successful_payment is credited
  // through BillingService::ConfirmPayment, which makes a replay a no-op, however often either
  // comes.
  void Handle(const telegram::Update& update);

 private:
  // The two gates above: false when the update is dropped.
  bool Admit(const telegram::Update& update);
  Status HandleMessage(const telegram::Message& message);
  // Sets `answer` to the callback answer's text.
  Status HandleCallback(const telegram::CallbackQuery& query, std::string& answer);
  // router_payments.cpp: the answer to a pre_checkout_query; crediting a successful_payment.
  void HandlePreCheckout(const telegram::PreCheckoutQuery& query);
  Status HandlePayment(const telegram::Message& message);
  // BotService::Touch with the language from Telegram's language_code.
  Result<User> Register(const telegram::TgUser& from, const std::string& start_payload);
  // The CHECK_FOLLOW gate.
  bool Admitted(TgId tg_id);

  usecases::BotService& service_;
  usecases::BillingService* billing_;
  MembershipChecker* membership_;
  RouterOptions options_;
  const ports::Clock& clock_;
  FloodGuard flood_;
  metrics::Counter* updates_message_ = nullptr;
  metrics::Counter* updates_callback_ = nullptr;
  metrics::Counter* updates_pre_checkout_ = nullptr;
  metrics::Counter* updates_other_ = nullptr;
  metrics::Counter* errors_ = nullptr;
  metrics::Counter* dropped_flood_ = nullptr;
  metrics::Counter* dropped_duplicate_ = nullptr;
  // vpnhub_payments_confirmed_total by ConfirmResult::Outcome (credited, already_credited,
  // mismatch, not_fulfilled).
  std::array<metrics::Counter*, 4> payments_{};
};

}  // namespace vpnhub::bot
