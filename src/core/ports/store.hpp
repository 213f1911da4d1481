#pragma once
// The storage port: every durable fact of VPNHub goes through it.
//
// Work happens inside a transaction object (StoreTx) handed to a callback, so a use case can
// change state and enqueue the task that change implies in one commit (the transactional outbox).
// Implementations: SqliteStore (embedded default); a PostgreSQL one later. The same contract
// suite (tests/storage/store_contract.hpp) runs against every implementation.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

struct KeyFilter {
  std::optional<Id> user_id;
  std::optional<KeyState> state;
  int limit = 1000;
};

struct AlertThrottle {
  std::optional<Time> last_sent_at;  // nullopt: never sent
  int suppressed = 0;                // repeats swallowed since last_sent_at
};

struct StoreStats {
  std::int64_t users = 0;
  std::map<MessageState, std::int64_t> messages_by_state;  // pending/sending/failed (not sent)
  std::map<KeyState, std::int64_t> keys_by_state;          // every state present
  std::map<std::pair<TaskKind, TaskState>, std::int64_t> tasks;  // pending/running/failed
};

// One open transaction. Valid only inside the Store::Write / Store::Read callback that received
// it; not thread-safe. Errors: kUnavailable when the database cannot be reached, kInternal on
// unexpected database errors; method-specific codes are listed per method.
struct JobLease {
  std::string job;
  std::string holder;
  Time until{};
};

class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // ---- users
  // kAlreadyExists when tg_id is taken. Returns the new id.
  virtual Result<Id> InsertUser(const User& user) = 0;
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
  // Users created at or after `since`.
  virtual Result<std::int64_t> CountUsersCreatedSince(Time since) = 0;
  // Compare-and-set trial_used false -> true. kFailedPrecondition when it was already true,
  // kNotFound when the user does not exist.
  virtual Status MarkTrialUsed(Id user_id) = 0;
  // Compare-and-set trial_used true -> false: the person's trial key could not be set up, so the
  // trial is theirs again. kFailedPrecondition when it was not used, kNotFound when the user does
  // not exist.
  virtual Status GiveTrialBack(Id user_id) = 0;

  // ---- locations
  // kAlreadyExists when the name is taken (names are unique, case-sensitive).
  virtual Result<Id> InsertLocation(const Location& location) = 0;
  virtual Result<std::optional<Location>> FindLocationByName(const std::string& name) = 0;
  virtual Result<std::vector<Location>> ListLocations() = 0;  // ordered by id
  // Stores the name and enabled flag of the location location.id. kNotFound when absent,
  // kAlreadyExists when another location has the name (nothing changes then, and the
  // transaction stays usable).
  virtual Status UpdateLocation(const Location& location) = 0;

  // ---- servers
  // kAlreadyExists when the name is taken. Settings are stored as given.
  virtual Result<Id> InsertServer(const Server& server) = 0;
  // kNotFound when absent. used_slots is filled in.
  virtual Result<Server> GetServer(Id id) = 0;
  // The server as a VPN call needs it (kind, settings, host) without counting its keys:
  // used_slots is left 0, so this is one primary-key lookup however many keys the server holds.
  // kNotFound when absent.
  virtual Result<Server> GetServerToCall(Id id) = 0;
  // All servers, or those of one location, ordered by id, with used_slots filled in.
  virtual Result<std::vector<Server>> ListServers(std::optional<Id> location_id) = 0;
  virtual Status SetServerHealthy(Id server_id, bool healthy) = 0;
  // Stores the name, settings, public_host, capacity and enabled flag of the server server.id;
  // its location, kind, health and keys are left as they are. kNotFound when absent,
  // kAlreadyExists when another server has the name (nothing changes then, and the transaction
  // stays usable).
  virtual Status UpdateServer(const Server& server) = 0;

  // ---- keys
  // Inserts a key as given (state, slot, secret, remote_name chosen by the caller).
  // kAlreadyExists when the slot is held by another slot-holding key of the same server, or the
  // remote_name is taken on that server.
  virtual Result<Id> InsertKey(const Key& key) = 0;
  virtual Result<Key> GetKey(Id id) = 0;  // kNotFound when absent
  // The keys with these ids that exist, ordered by id (absent ids are left out). One query.
  virtual Result<std::vector<Key>> GetKeys(const std::vector<Id>& ids) = 0;
  // Keys matching the filter, newest id first.
  virtual Result<std::vector<Key>> ListKeys(const KeyFilter& filter) = 0;
  // Slots held on a server (by keys in pending/active/revoking), ascending.
  virtual Result<std::vector<int>> HeldSlots(Id server_id) = 0;
  // Compare-and-set of the key's state; sets updated_at = now and last_error = error.
  // kConflict when the key is not in `from`, kNotFound when absent.
  virtual Status UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                                const std::string& error) = 0;
  // Compare-and-set failed -> pending on `slot` (updated_at = now, last_error cleared): a key
  // whose provisioning failed for good takes a slot again to be provisioned anew (`vpnhub task
  // retry`). kConflict when the key is not failed, kNotFound when absent, kAlreadyExists when
  // another slot-holding key of the server holds `slot` (nothing changes; the transaction stays
  // usable).
  virtual Status ReviveFailedKey(Id key_id, int slot, Time now) = 0;
  // UpdateKeyState for many keys in one statement: those of `ids` in state `from` move to `to`;
  // returns the ids that moved, ascending (the others were not in `from`, or are absent).
  // kInvalidArgument for a move into a slot-holding state from one that holds none (that can
  // collide with another key's slot: use UpdateKeyState, which reports it per key).
  virtual Result<std::vector<Id>> UpdateKeysState(const std::vector<Id>& ids, KeyState from,
                                                  KeyState to, Time now,
                                                  const std::string& error) = 0;
  // Active keys with expires_at <= now, earliest first, at most limit. Must cost O(result),
  // not O(all keys): implementations keep an index on (state, expires_at).
  virtual Result<std::vector<Key>> ListKeysDueForExpiry(Time now, int limit) = 0;
  // The expiry sweep's step as one set operation: up to `limit` active keys with
  // expires_at <= now (earliest first, then id) move to revoking (updated_at = now,
  // last_error = "expired"), get `notice_flags` ORed into notified_flags and next_notice_at
  // cleared, and each gets one pending revoke_key task due at `now`. Returns the moved keys as
  // they were before the move (state active, their old flags), earliest first. Two sweeps at
  // once never move a key twice. O(limit) through the (state, expires_at) index.
  virtual Result<std::vector<Key>> ExpireDueKeys(Time now, int limit, int notice_flags) = 0;

  // Active keys with next_notice_at <= now, earliest first, at most limit; O(result) through an
  // index on next_notice_at.
  virtual Result<std::vector<Key>> ListKeysDueForNotice(Time now, int limit) = 0;
  // Sets notified_flags and next_notice_at (nullopt clears it) of a key. kNotFound when absent.
  virtual Status SetKeyNotice(Id key_id, int notified_flags,
                              std::optional<Time> next_notice_at) = 0;
  // Compare-and-set on the key's state: when the key is in `state`, sets its expires_at,
  // notified_flags, next_notice_at (nullopt clears it) and updated_at = now. kConflict when it is
  // in another state (nothing changes), kNotFound when absent.
  virtual Status SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                              std::optional<Time> next_notice_at, Time now) = 0;

  // ---- outgoing messages (the persistent send queue)
  // A new pending message due at its next_attempt_at (state/attempts/last_error ignored).
  virtual Result<Id> EnqueueMessage(const OutgoingMessage& message) = 0;
  // EnqueueMessage for many messages in one statement (ids assigned in vector order).
  virtual Status EnqueueMessages(const std::vector<OutgoingMessage>& messages) = 0;
  virtual Result<OutgoingMessage> GetMessage(Id id) = 0;  // kNotFound when absent
  // Claims up to `limit` messages that are pending and due, or sending with an expired lease,
  // ordered by priority, then next_attempt_at, then id: each becomes sending, attempts + 1,
  // next_attempt_at = now + lease.
  virtual Result<std::vector<OutgoingMessage>> ClaimMessages(Time now, Duration lease,
                                                             int limit) = 0;
  // sending -> sent. kConflict when not sending.
  virtual Status CompleteMessage(Id id, Time now) = 0;
  // sending -> pending due at `next`; when !count_attempt the claim's attempt is given back
  // (pacing, not failure). kConflict when not sending.
  virtual Status RescheduleMessage(Id id, Time next, const std::string& error, bool count_attempt,
                                   Time now) = 0;
  // sending -> failed. kConflict when not sending.
  virtual Status FailMessage(Id id, const std::string& error, Time now) = 0;
  // Every pending message to the chat -> failed with `error` (the person blocked the bot).
  // Messages being sent are left to their sender. Returns how many were dropped.
  virtual Result<int> DropPendingMessages(TgId chat_id, const std::string& error, Time now) = 0;
  // Messages in a state (or all), newest first, at most limit.
  virtual Result<std::vector<OutgoingMessage>> ListMessages(std::optional<MessageState> state,
                                                            int limit) = 0;

  // ---- admin alert throttling, by subject (e.g. "task_failed:revoke_key")
  virtual Result<AlertThrottle> GetAlertThrottle(const std::string& subject) = 0;
  virtual Status PutAlertThrottle(const std::string& subject, const AlertThrottle& value) = 0;

  // ---- small named settings (e.g. the bot's update offset)
  virtual Result<std::optional<std::string>> GetSetting(const std::string& name) = 0;
  virtual Status PutSetting(const std::string& name, const std::string& value) = 0;

  // ---- tasks (the outbox)
  // A new pending task due at run_at. Returns its id.
  virtual Result<Id> EnqueueTask(TaskKind kind, Id subject_id, Time run_at) = 0;
  virtual Result<Task> GetTask(Id id) = 0;  // kNotFound when absent
  // Claims up to `limit` tasks that are pending and due (next_attempt_at <= now), or running
  // with an expired lease (next_attempt_at <= now), oldest due first: each becomes running,
  // attempts + 1, next_attempt_at = now + lease. A claimed task is not returned again by another
  // claim until its lease expires.
  virtual Result<std::vector<Task>> ClaimTasks(Time now, Duration lease, int limit) = 0;
  // Claims one specific task the same way; an empty optional when it is not claimable now.
  virtual Result<std::optional<Task>> ClaimTask(Id id, Time now, Duration lease) = 0;
  // running -> done. kConflict when the task is not running.
  virtual Status CompleteTask(Id id, Time now) = 0;
  // CompleteTask for many tasks in one statement; those not running are left alone. Returns how
  // many moved.
  virtual Result<int> CompleteTasks(const std::vector<Id>& ids, Time now) = 0;
  // running -> pending due at next_attempt_at, remembering the error. kConflict when not running.
  virtual Status RescheduleTask(Id id, Time next_attempt_at, const std::string& error,
                                Time now) = 0;
  // running -> pending due at `now`, giving back the attempt its claim counted: a claimed task
  // the worker did not start (its batch ran out of time). kConflict when not running.
  virtual Status ReleaseTask(Id id, Time now) = 0;
  // running -> failed (dead letter), remembering the error. kConflict when not running.
  virtual Status FailTask(Id id, const std::string& error, Time now) = 0;
  // failed -> pending, attempts = 0, due now, and handed back to the relay (relayed_at cleared,
  // generation + 1). kFailedPrecondition when the task is not failed, kNotFound when absent.
  virtual Status RetryTask(Id id, Time now) = 0;
  // Claims those of `ids` that are claimable now, as ClaimTask does, in one statement; the
  // others are left alone. Returns the claimed tasks (any order). For the NATS worker, which
  // learns task ids from the stream.
  virtual Result<std::vector<Task>> ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                                    Duration lease) = 0;

  // ---- the relay (NATS mode): committed tasks on their way to the stream
  // Pending tasks that are due (next_attempt_at <= now) and not relayed yet, in creation (id)
  // order, at most `limit`. Locks nothing: two relays may read the same rows (the stream's
  // duplicate window drops the second publish).
  virtual Result<std::vector<Task>> ListUnrelayedTasks(Time now, int limit) = 0;
  // relayed_at = now for those of `ids` still unrelayed; returns how many changed.
  virtual Result<int> MarkTasksRelayed(const std::vector<Id>& ids, Time now) = 0;
  // The due time of the oldest task ListUnrelayedTasks would return; nullopt when none. The
  // relay lag is now minus it.
  virtual Result<std::optional<Time>> OldestUnrelayedDue(Time now) = 0;
  // Hands back to the relay the tasks the stream seems to have lost: tasks relayed before
  // `stale_before` that are pending with a due time, or running with a lease that ended, before
  // it (so a task just published again is not handed back again before its time), and
  // running tasks whose lease ended then that were never relayed (left by the embedded queue
  // before a switch to NATS). Each becomes pending (still due; attempts kept) with relayed_at
  // cleared and generation + 1 (a fresh message id), oldest due first, at most `limit`. Returns
  // how many.
  virtual Result<int> RequeueStaleRelayedTasks(Time stale_before, int limit) = 0;
  // Tasks in a state (or all), newest first, at most limit.
  virtual Result<std::vector<Task>> ListTasks(std::optional<TaskState> state, int limit) = 0;

  // ---- job leases: each scheduled job (sweep, notices, ...) runs in one instance at a time
  // Takes `job` for `holder` until now + ttl when the lease is free, expired (its until <= now)
  // or already `holder`'s (a renewal). Returns true when `holder` holds it after the call, false
  // when another holder's lease is still running (nothing changes then).
  virtual Result<bool> AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                                       Duration ttl) = 0;
  // Ends `holder`'s lease of `job` at once (a clean shutdown hands the job over); nothing
  // happens when someone else holds it. Ok either way.
  virtual Status ReleaseJobLease(const std::string& job, const std::string& holder) = 0;
  // Who holds `job` and until when; nullopt when nobody ever took it.
  virtual Result<std::optional<JobLease>> GetJobLease(const std::string& job) = 0;

  // ---- Telegram updates taken (each update_id is handled once, by whichever instance)
  // Records that update `update_id` is being handled, seen at `now`. Returns true when it was
  // not recorded before, false when it was (a redelivery: skip it). Of two transactions
  // recording the same id at once, one gets true. kInvalidArgument for update_id <= 0.
  virtual Result<bool> RecordUpdate(std::int64_t update_id, Time now) = 0;
  // Deletes up to `limit` recorded updates seen before `seen_before`, oldest first; returns how
  // many. O(limit) through an index on the time seen.
  virtual Result<int> ForgetUpdates(Time seen_before, int limit) = 0;

  // ---- the per-chat cap on queued replies
  // Of the chat's pending kText messages of priority kReply or kBulk, all but the newest `keep`
  // (by id) -> failed with `error`; admin alerts, key messages and every other kind are never
  // touched, nor messages being sent. Returns how many were dropped. kInvalidArgument for
  // keep < 0.
  virtual Result<int> TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                         Time now) = 0;

  // ---- retention: settled rows are deleted after a while, a batch at a time
  // Deletes up to `limit` done tasks settled (updated_at) before `settled_before`, oldest first;
  // returns how many. Failed tasks (dead letters) and open ones are never deleted. O(limit)
  // through an index that holds only done tasks.
  virtual Result<int> PurgeDoneTasks(Time settled_before, int limit) = 0;
  // Deletes up to `limit` sent or failed messages settled (updated_at) before `settled_before`,
  // oldest first; returns how many. Pending and sending ones are never deleted. O(limit) through
  // an index that holds only settled messages.
  virtual Result<int> PurgeSettledMessages(Time settled_before, int limit) = 0;

  // ---- cheap counts
  // Messages in `state`. O(messages in that state) through the state index: for the open states
  // (pending, sending), which stay small, not for sent.
  virtual Result<std::int64_t> CountMessages(MessageState state) = 0;
  // Folds the changes of the user and key counts recorded since the last call into their totals
  // (an implementation that updates its totals in place does nothing). Stats is exact either
  // way; folding keeps it O(1) in the number of changes. Idempotent; safe to run in several
  // processes at once.
  virtual Status FoldStatCounters() = 0;

  // ---- observability
  // Users and keys by state come from counts the database maintains with every change (never a
  // scan of the users or keys); tasks (pending/running/failed) and messages (pending/sending/
  // failed) are counted through their state indexes, so the cost follows the open work, the dead
  // letters and the failed messages inside the retention, not the table sizes.
  virtual Result<StoreStats> Stats() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs fn in one write transaction: commits when fn returns Ok, otherwise rolls back and
  // returns fn's status. A failed commit returns kUnavailable/kInternal. Thread-safe; write
  // transactions are serialised.
  virtual Status Write(const std::function<Status(StoreTx&)>& fn) = 0;
  // Runs fn in a read-only transaction (a consistent snapshot); write methods fail there.
  // Thread-safe; may run concurrently with a writer.
  virtual Status Read(const std::function<Status(StoreTx&)>& fn) = 0;
  // Ok when the database is reachable and carries our schema; kUnavailable otherwise.
  // Thread-safe; cheap enough to call every second.
  virtual Status Ping() = 0;
};

}  // namespace vpnhub::ports
