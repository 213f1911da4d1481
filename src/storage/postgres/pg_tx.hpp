#pragma once
// The StoreTx of PostgresStore: every port method as prepared statements on one pooled connection
// that already has a transaction open. Not thread-safe; lives only inside a Write/Read callback.
//
// Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction. Errors the port
// defines as ordinary outcomes (a taken unique value) therefore never reach the server as errors:
// inserts use ON CONFLICT DO NOTHING, and the one UPDATE that can hit a unique index runs under
// a savepoint. Any other failure leaves the transaction aborted, and the callback is expected to
// give up (its Status is returned and the transaction rolled back).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/store.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace vpnhub::storage {

// Queries that must stay on an index, exposed so PostgresStore can EXPLAIN them.
extern const char kPgDueForExpirySql[];            // $1 now, $2 limit
extern const char kPgDueForNoticeSql[];            // $1 now, $2 limit
extern const char kPgCountUsersCreatedSinceSql[];  // $1 since
extern const char kPgClaimableTasksSql[];          // $1 now, $2 limit
extern const char kPgClaimTasksByIdsSql[];         // $1 ids, $2 now, $3 lease end
extern const char kPgUnrelayedTasksSql[];          // $1 now, $2 limit
extern const char kPgStaleRelayedTasksSql[];       // $1 stale_before, $2 limit
extern const char kPgClaimableMessagesSql[];       // $1 now, $2 priority, $3 limit
extern const char kPgDropPendingMessagesSql[];     // $1 chat, $2 error, $3 now
extern const char kPgPurgeDoneTasksSql[];          // $1 settled_before, $2 limit
extern const char kPgPurgeSettledMessagesSql[];    // $1 settled_before, $2 limit
extern const char kPgCountMessagesSql[];           // $1 state

// Unix milliseconds of an optional time, for a nullable column.
inline std::optional<std::int64_t> OptionalUnixMs(std::optional<Time> t) {
  return t ? std::optional<std::int64_t>(ToUnixMs(*t)) : std::nullopt;
}

class PgTx final : public ports::StoreTx {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition before it
  // reaches the database.
  PgTx(PgConnection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

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
  // An INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new id, or kAlreadyExists (naming
  // `what`) when a unique value was taken.
  Result<Id> InsertReturningId(const char* sql, const PgParams& params, const std::string& what);
  // Runs an UPDATE/DELETE and returns how many rows it touched.
  Result<std::int64_t> Modify(const char* sql, const PgParams& params);
  // Modify under a savepoint: a unique violation is kAlreadyExists ("<what> is taken") and
  // leaves the transaction usable.
  Result<std::int64_t> ModifyUnique(const char* sql, const PgParams& params,
                                    const std::string& what);
  // Moves a running task to `to_state`; kConflict when the task is not running.
  Status FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                           const std::string& error, Time now);
  // Moves a sending message to `to_state`, taking `attempts_given_back` (0 or 1, never below
  // zero) off its attempts; kConflict when the message is not sending.
  Status FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                              const std::string& error, int attempts_given_back, Time now);

  PgConnection& conn_;
  bool read_only_;
};

}  // namespace vpnhub::storage
