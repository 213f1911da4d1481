#pragma once
// The StoreTx of SqliteStore: every port method as cached prepared statements on one connection
// that already has a transaction open. Not thread-safe; lives only inside a Write/Read callback.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/store.hpp"
#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage {

// Queries that must stay on an index, exposed so SqliteStore can EXPLAIN them.
extern const char kDueForExpirySql[];
extern const char kDueForNoticeSql[];
extern const char kCountUsersCreatedSinceSql[];
extern const char kClaimableTasksSql[];
extern const char kClaimTasksByIdsSql[];    // ?1 JSON array of ids, ?2 now, ?3 lease end
extern const char kUnrelayedTasksSql[];     // ?1 now, ?2 limit
extern const char kStaleRelayedTasksSql[];  // ?1 stale_before, ?2 limit
// One priority's claimable messages (?1 now, ?2 priority, ?3 limit).
extern const char kClaimableMessagesSql[];
extern const char kMessageStatsSql[];
extern const char kDropPendingMessagesSql[];
extern const char kPurgeDoneTasksSql[];        // ?1 settled_before, ?2 limit
extern const char kPurgeSettledMessagesSql[];  // ?1 settled_before, ?2 limit
extern const char kCountMessagesSql[];         // ?1 state

// `ids` ascending without repeats: the batch lookups walk them one prepared statement at a time.
inline std::vector<Id> SortedUnique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

class SqliteTx final : public ports::StoreTx {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  SqliteTx(Connection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

  Result<Id> InsertUser(const User& user) override;
  Result<std::optional<User>> FindUserByTgId(TgId tg_id) override;
  Result<User> GetUser(Id id) override;
  Result<std::vector<User>> GetUsers(const std::vector<Id>& ids) override;
  Result<std::vector<User>> ListUsers(Id after_id, int limit) override;
  Status SetUserLang(Id user_id, const std::string& lang) override;
  Status SetBlockedBot(Id user_id, bool blocked) override;
  Result<std::int64_t> CountUsersCreatedSince(Time since) override;
  Status MarkTrialUsed(Id user_id) override;
  Status GiveTrialBack(Id user_id) override;

  Result<Id> InsertLocation(const Location& location) override;
  Result<std::optional<Location>> FindLocationByName(const std::string& name) override;
  Result<std::vector<Location>> ListLocations() override;
  Status UpdateLocation(const Location& location) override;

  Result<Id> InsertServer(const Server& server) override;
  Result<Server> GetServer(Id id) override;
  Result<Server> GetServerToCall(Id id) override;
  Result<std::vector<Server>> ListServers(std::optional<Id> location_id) override;
  Status SetServerHealthy(Id server_id, bool healthy) override;
  Status UpdateServer(const Server& server) override;

  Result<Id> InsertKey(const Key& key) override;
  Result<Key> GetKey(Id id) override;
  Result<std::vector<Key>> GetKeys(const std::vector<Id>& ids) override;
  Result<std::vector<Id>> UpdateKeysState(const std::vector<Id>& ids, KeyState from, KeyState to,
                                          Time now, const std::string& error) override;
  Result<std::vector<Key>> ListKeys(const ports::KeyFilter& filter) override;
  Result<std::vector<int>> HeldSlots(Id server_id) override;
  Status UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                        const std::string& error) override;
  Status ReviveFailedKey(Id key_id, int slot, Time now) override;
  Result<std::vector<Key>> ListKeysDueForExpiry(Time now, int limit) override;
  Result<std::vector<Key>> ExpireDueKeys(Time now, int limit, int notice_flags) override;
  Result<std::vector<Key>> ListKeysDueForNotice(Time now, int limit) override;
  Status SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) override;
  Status SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                      std::optional<Time> next_notice_at, Time now) override;

  Result<Id> EnqueueMessage(const OutgoingMessage& message) override;
  Status EnqueueMessages(const std::vector<OutgoingMessage>& messages) override;
  Result<OutgoingMessage> GetMessage(Id id) override;
  Result<std::vector<OutgoingMessage>> ClaimMessages(Time now, Duration lease, int limit) override;
  Status CompleteMessage(Id id, Time now) override;
  Status RescheduleMessage(Id id, Time next, const std::string& error, bool count_attempt,
                           Time now) override;
  Status FailMessage(Id id, const std::string& error, Time now) override;
  Result<int> DropPendingMessages(TgId chat_id, const std::string& error, Time now) override;
  Result<std::vector<OutgoingMessage>> ListMessages(std::optional<MessageState> state,
                                                    int limit) override;

  Result<ports::AlertThrottle> GetAlertThrottle(const std::string& subject) override;
  Status PutAlertThrottle(const std::string& subject, const ports::AlertThrottle& value) override;

  Result<std::optional<std::string>> GetSetting(const std::string& name) override;
  Status PutSetting(const std::string& name, const std::string& value) override;
  Result<bool> AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                               Duration ttl) override;
  Status ReleaseJobLease(const std::string& job, const std::string& holder) override;
  Result<std::optional<ports::JobLease>> GetJobLease(const std::string& job) override;

  Result<bool> RecordUpdate(std::int64_t update_id, Time now) override;
  Result<int> ForgetUpdates(Time seen_before, int limit) override;
  Result<int> TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                 Time now) override;

  Result<Id> EnqueueTask(TaskKind kind, Id subject_id, Time run_at) override;
  Result<Task> GetTask(Id id) override;
  Result<std::vector<Task>> ClaimTasks(Time now, Duration lease, int limit) override;
  Result<std::optional<Task>> ClaimTask(Id id, Time now, Duration lease) override;
  Status CompleteTask(Id id, Time now) override;
  Result<int> CompleteTasks(const std::vector<Id>& ids, Time now) override;
  Status RescheduleTask(Id id, Time next_attempt_at, const std::string& error, Time now) override;
  Status ReleaseTask(Id id, Time now) override;
  Status FailTask(Id id, const std::string& error, Time now) override;
  Status RetryTask(Id id, Time now) override;
  Result<std::vector<Task>> ClaimTasksByIds(const std::vector<Id>& ids, Time now,
                                            Duration lease) override;
  Result<std::vector<Task>> ListUnrelayedTasks(Time now, int limit) override;
  Result<int> MarkTasksRelayed(const std::vector<Id>& ids, Time now) override;
  Result<std::optional<Time>> OldestUnrelayedDue(Time now) override;
  Result<int> RequeueStaleRelayedTasks(Time stale_before, int limit) override;
  Result<std::vector<Task>> ListTasks(std::optional<TaskState> state, int limit) override;

  Result<int> PurgeDoneTasks(Time settled_before, int limit) override;
  Result<int> PurgeSettledMessages(Time settled_before, int limit) override;
  Result<std::int64_t> CountMessages(MessageState state) override;
  Status FoldStatCounters() override;

  Result<ports::StoreStats> Stats() override;

 private:
  // users and keys_by_state from the maintained counters (migration 0007).
  Status ReadStatCounters(ports::StoreStats& stats);
  // The server row `sql` selects by id ($1 / ?1); kNotFound when absent.
  Result<Server> ServerById(const char* sql, Id id);
  Status CheckWritable(const char* method) const;
  // Whether a row with `id` exists in `table` (a fixed table name, never user input).
  Result<bool> Exists(const char* table, Id id);
  // For a compare-and-set UPDATE that changed nothing: kNotFound when the row is absent,
  // otherwise `otherwise`.
  Status ExplainNoChange(const char* table, const char* what, Id id, Status otherwise);
  // Moves a running task to `to_state` with next_attempt_at/last_error; kConflict when the task
  // is not running.
  Status FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                           const std::string& error, Time now);
  // Moves a sending message to `to_state` with next_attempt_at/last_error, taking
  // `attempts_given_back` (0 or 1, never below zero) off its attempts; kConflict when the message
  // is not sending.
  Status FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                              const std::string& error, int attempts_given_back, Time now);

  Connection& conn_;
  bool read_only_;
};

// Runs the statement to completion, calling fn(const Statement&) -> Status for every row.
template <typename Fn>
Status ForEachRow(Statement& stmt, Fn&& fn) {
  for (;;) {
    Result<bool> row = stmt.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    VPNHUB_RETURN_IF_ERROR(fn(static_cast<const Statement&>(stmt)));
  }
}

}  // namespace vpnhub::storage
