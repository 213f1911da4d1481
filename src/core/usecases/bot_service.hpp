#pragma once
// What the Telegram bot may do, as use cases: the bot layer parses updates and renders texts;
// every decision and every database change happens here.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/key_service.hpp"
#include "core/usecases/notices.hpp"

namespace vpnhub::usecases {

struct BotSettings {
  std::int64_t trial_period_sec = 0;  // 0 = no trials
  int referral_invitee_days = 0;      // added to the trial of someone who came by a referral
  std::string default_lang = "en";
  std::int64_t traffic_limit_bytes = 0;
  std::vector<TgId> admins;
  // Send keeps at most this many of a chat's text replies pending, dropping the oldest (so one
  // person cannot queue hours of replies); 0 = no cap. Alerts and key messages are never dropped.
  int pending_replies_per_chat = 10;
  // How long a handled update_id is remembered (FirstDelivery): Telegram keeps an unconfirmed
  // update, and so may deliver it again, for up to a day.
  Duration update_window{std::chrono::hours(25)};
};

struct LocationOption {
  Location location;
  int free_slots = 0;
};

struct KeyView {
  Key key;
  Server server;
  Location location;
};

struct ServerView {
  Server server;
  std::string location;
};

struct AdminSummary {
  std::int64_t users_total = 0;
  std::int64_t users_today = 0;  // since 00:00 UTC
  ports::StoreStats stats;
  std::vector<ServerView> servers;
};

class BotService {
 public:
  BotService(ports::Store& store, KeyService& keys, AdminAlerts& alerts, const ports::Clock& clock,
             BotSettings settings)
      : store_(store),
        keys_(keys),
        alerts_(alerts),
        clock_(clock),
        settings_(std::move(settings)) {}

  // The person wrote to the bot: registers them when new (language `lang`, and the deep-link
  // payload as referrer — "r<tg id>" or a bare tg id of a known user — or else as source code),
  // or clears blocked_bot for a known person. Returns the user and whether they are new.
  struct Touched {
    User user;
    bool is_new = false;
  };
  Result<Touched> Touch(TgId tg_id, const std::string& username, const std::string& lang,
                        const std::string& start_payload);
  // The deep-link payload that makes Touch record `tg_id` as the referrer: "r<tg id>".
  static std::string ReferralPayload(TgId tg_id) { return "r" + std::to_string(tg_id); }
  // What the bot waits for the person to type next (User::awaiting, opaque here) until `until`;
  // an empty `what` clears it. Kept in the database, so a restart or another instance sees it.
  // kNotFound for an unknown person.
  Status Await(TgId tg_id, const std::string& what, Time until);
  // The person typed what was awaited: clears it when it is still `what` and returns true,
  // once (of two messages handled at once, one gets true). False otherwise.
  Result<bool> TakeAwaited(TgId tg_id, const std::string& what);
  // A new subscription link for the person with this user id (issue 18): bumps their
  // User::sub_version (UserStore::RotateSubscription, as `vpnhub user rotate-sub`), so the old
  // URL stops matching, and returns the row after the bump. kNotFound for an unknown user. Whose
  // link it is to rotate is the caller's check.
  Result<User> RotateSubscription(Id user_id);
  // kInvalidArgument for languages other than en/ru.
  Status SetLanguage(TgId tg_id, const std::string& lang);
  bool IsAdmin(TgId tg_id) const;
  bool TrialsEnabled() const { return settings_.trial_period_sec > 0; }

  // Enabled locations with at least one enabled, healthy server with a free slot. Each enabled
  // location without one raises a throttled "no_capacity:<id>" admin alert (someone is being
  // offered locations and this one is missing).
  Result<std::vector<LocationOption>> LocationsWithCapacity();

  // The person's one trial in a location: a pending key that is announced when active (with
  // referral_invitee_days more when a referrer invited them), plus
  // `reply` enqueued in the same transaction. kFailedPrecondition when trials are off or used;
  // kNotFound for an unknown location; kResourceExhausted when the location is full (admins get a
  // throttled alert).
  Result<IssuedKey> StartTrial(TgId tg_id, Id location_id, OutgoingMessage reply);

  // The person's keys, newest first (empty for an unknown person).
  Result<std::vector<KeyView>> KeysOf(TgId tg_id);
  // One key of the person. kNotFound when it does not exist or is someone else's: the caller
  // cannot tell the two apart.
  Result<KeyView> OwnedKey(TgId tg_id, Id key_id);

  Result<AdminSummary> Summary();

  // Enqueues a message (a reply or a notice). A kText message of priority kReply/kBulk then
  // drops, in the same transaction, the chat's oldest pending ones of those beyond
  // settings().pending_replies_per_chat (MessageStore::TrimPendingReplies).
  Status Send(OutgoingMessage message);
  // The sender saw "blocked by the user": stop sending until they write again, and drop what is
  // still queued for them (in the same transaction).
  Status MarkBlocked(TgId tg_id);

  // Telegram delivered update `update_id`: true the first time (handle it), false when it was
  // handled already, by this or another instance on the database, within update_window (a
  // webhook retry, a batch polled again after a crash): drop it. Recorded before handling, so an
  // update whose handling is cut short by a crash is not handled again. Each new update also
  // forgets a few ids older than the window. Store errors are returned.
  Result<bool> FirstDelivery(std::int64_t update_id);

  // The long poller's position, kept across restarts.
  Result<std::int64_t> LoadUpdateOffset();
  Status SaveUpdateOffset(std::int64_t offset);

  const BotSettings& settings() const { return settings_; }

 private:
  Result<KeyView> ViewOf(ports::StoreTx& tx, const Key& key);

  ports::Store& store_;
  KeyService& keys_;
  AdminAlerts& alerts_;
  const ports::Clock& clock_;
  BotSettings settings_;
};

}  // namespace vpnhub::usecases
