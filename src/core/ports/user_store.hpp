#pragma once
// The people who talk to the bot: one row per Telegram account (ports::UserStore).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

// One row of the subscription change feed (migration 0017): something a person's subscription
// shows changed in a committed transaction. user_id nullopt: a server or location changed, which
// may touch anyone.
struct SubscriptionChange {
  std::int64_t id = 0;  // ascending in insertion order (not always in commit order)
  std::optional<Id> user_id;
};

// Users by id and by Telegram id, their language, blocked flag and one trial. Reached through
// StoreTx::users(); valid only inside the transaction that handed it out, not thread-safe.
// Errors: kUnavailable when the database cannot be reached, kInternal on unexpected database
// errors, kFailedPrecondition for a write in a read-only transaction; method-specific codes are
// listed per method.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // kAlreadyExists when tg_id is taken. Returns the new id.
  virtual Result<Id> InsertUser(const User& user) = 0;
  // The user with this Telegram id; an empty optional when there is none.
  virtual Result<std::optional<User>> FindUserByTgId(TgId tg_id) = 0;
  // kNotFound when absent.
  virtual Result<User> GetUser(Id id) = 0;
  // The users with these ids that exist, ordered by id (absent ids are left out). One query.
  virtual Result<std::vector<User>> GetUsers(const std::vector<Id>& ids) = 0;
  // Users ordered by id, ids greater than after_id, at most limit.
  virtual Result<std::vector<User>> ListUsers(Id after_id, int limit) = 0;
  // Sets the person's language ("en"/"ru"). kNotFound when absent.
  virtual Status SetUserLang(Id user_id, const std::string& lang) = 0;
  // Marks whether the person has blocked the bot (no sends while true). kNotFound when absent.
  virtual Status SetBlockedBot(Id user_id, bool blocked) = 0;
  // Users created at or after `since`. O(result) through an index on the creation time.
  virtual Result<std::int64_t> CountUsersCreatedSince(Time since) = 0;
  // Compare-and-set trial_used false -> true. kFailedPrecondition when it was already true,
  // kNotFound when the user does not exist.
  virtual Status MarkTrialUsed(Id user_id) = 0;
  // Compare-and-set trial_used true -> false: the person's trial key could not be set up, so the
  // trial is theirs again. kFailedPrecondition when it was not used, kNotFound when the user does
  // not exist.
  virtual Status GiveTrialBack(Id user_id) = 0;
  // Sets what the bot waits for the person to type (User::awaiting) and until when; an empty
  // `what` clears it. kNotFound when the user does not exist.
  virtual Status SetAwaiting(Id user_id, const std::string& what, Time until) = 0;
  // Compare-and-set: clears the awaited input when it is still `what` (one of two messages
  // typed at once takes it). False when it was something else or already cleared; kNotFound
  // when the user does not exist.
  virtual Result<bool> TakeAwaiting(Id user_id, const std::string& what) = 0;

  // Subscription links (issue 18). Bumps User::sub_version, which the person's subscription
  // token signs: their old URL stops working. kNotFound when the user does not exist.
  virtual Status RotateSubscription(Id user_id) = 0;
  // The change feed, filled by the database itself (triggers on keys, servers, locations and
  // users.sub_version) in the transaction of each change: rows with id > after_id, ascending, at
  // most limit.
  virtual Result<std::vector<SubscriptionChange>> SubscriptionChangesAfter(std::int64_t after_id,
                                                                           int limit) = 0;
  // Deletes the feed's rows with id < below_id.
  virtual Status PurgeSubscriptionChanges(std::int64_t below_id) = 0;
};

}  // namespace vpnhub::ports
