#pragma once
// The eight storage ports over SQL, written once for both dialects against SqlSession
// (storage/sql/session.hpp): one class per port, defined in its own file of this folder
// (users.cpp, catalog.cpp, keys.cpp, tasks.cpp, messages.cpp, coordination.cpp,
// housekeeping.cpp, billing.cpp). SqlTx, at the end, holds one of each for a transaction. Adding
// a port means one class here, one .cpp here and one member of SqlTx.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/billing_store.hpp"
#include "core/ports/catalog_store.hpp"
#include "core/ports/coordination_store.hpp"
#include "core/ports/housekeeping_store.hpp"
#include "core/ports/key_store.hpp"
#include "core/ports/message_store.hpp"
#include "core/ports/store.hpp"
#include "core/ports/task_store.hpp"
#include "core/ports/user_store.hpp"
#include "storage/sql/session.hpp"

namespace vpnhub::storage {

// SqlUsers: ports::UserStore over the connection of one transaction: the people who use the bot.
class SqlUsers final : public ports::UserStore {
 public:
  explicit SqlUsers(SqlSession& session) : s_(session) {}

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
  Status SetAwaiting(Id user_id, const std::string& what, Time until) override;
  Result<bool> TakeAwaiting(Id user_id, const std::string& what) override;
  Status RotateSubscription(Id user_id) override;
  Result<std::vector<ports::SubscriptionChange>> SubscriptionChangesAfter(std::int64_t after_id,
                                                                          int limit) override;
  Status PurgeSubscriptionChanges(std::int64_t below_id) override;

 private:
  SqlSession& s_;
};

// SqlCatalog: ports::CatalogStore over the connection of one transaction: locations and servers.
class SqlCatalog final : public ports::CatalogStore {
 public:
  explicit SqlCatalog(SqlSession& session) : s_(session) {}

  Result<Id> InsertLocation(const Location& location) override;
  Result<std::optional<Location>> FindLocationByName(const std::string& name) override;
  Result<std::vector<Location>> ListLocations() override;
  Status UpdateLocation(const Location& location) override;
  Result<Id> InsertServer(const Server& server) override;
  Result<Server> GetServer(Id id) override;
  Result<Server> GetServerToCall(Id id) override;
  Result<std::vector<Server>> ListServers(std::optional<Id> location_id) override;
  Status SetServerHealthy(Id server_id, bool healthy) override;
  Status RecordServerHealth(const Server& server) override;
  Status UpdateServer(const Server& server) override;
  Status RemoveServer(Id server_id, const std::string& new_name, Time now) override;

 private:
  SqlSession& s_;
};

// SqlKeys: ports::KeyStore over the connection of one transaction: keys, their slots, expiry and
// notices.
class SqlKeys final : public ports::KeyStore {
 public:
  explicit SqlKeys(SqlSession& session) : s_(session) {}

  Result<Id> InsertKey(const Key& key) override;
  Result<Key> GetKey(Id id) override;
  Result<std::vector<Key>> GetKeys(const std::vector<Id>& ids) override;
  Result<std::vector<Id>> UpdateKeysState(const std::vector<Id>& ids, KeyState from, KeyState to,
                                          Time now, const std::string& error) override;
  Result<std::vector<Key>> ListKeys(const ports::KeyFilter& filter) override;
  Result<std::vector<int>> HeldSlots(Id server_id) override;
  Result<std::vector<Key>> ListSlotKeysPage(Id server_id, int after_slot, int limit) override;
  Status SetKeyRemoteData(Id key_id, const std::string& remote_data) override;
  Status UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                        const std::string& error) override;
  Status ReviveFailedKey(Id key_id, int slot, Time now) override;
  Result<std::vector<Key>> ListKeysDueForExpiry(Time now, int limit) override;
  Result<std::vector<Key>> ExpireDueKeys(Time now, int limit, int notice_flags) override;
  Result<std::vector<Key>> ListKeysDueForNotice(Time now, int limit) override;
  Status SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) override;
  Status SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                      std::optional<Time> next_notice_at, Time now) override;
  Status InsertKeyMove(Id old_key_id, Id new_key_id, Time now) override;
  Result<std::optional<Id>> FinishKeyMove(Id new_key_id) override;
  Result<std::optional<Id>> KeyMovedTo(Id old_key_id) override;
  Result<bool> RetargetKeySwitch(Id old_key_id, Id new_old_key_id) override;
  Result<std::vector<Key>> KeysNotMoved(Id server_id, KeyState state, int limit) override;
  Result<ports::KeyMoveCounts> KeyMoveCountsOf(Id server_id) override;

 private:
  SqlSession& s_;
};

// SqlTasks: ports::TaskStore over the connection of one transaction: the task queue (the outbox).
class SqlTasks final : public ports::TaskStore {
 public:
  explicit SqlTasks(SqlSession& session) : s_(session) {}

  Result<Id> EnqueueTask(TaskKind kind, Id subject_id, Time run_at) override;
  Result<std::optional<Id>> EnqueueTaskOnce(TaskKind kind, Id subject_id, Time run_at) override;
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

 private:
  // Moves a running task to `to_state` with next_attempt_at/last_error; kConflict when the task
  // is not running.
  Status FinishRunningTask(Id id, TaskState to_state, Time next_attempt_at,
                           const std::string& error, Time now);

  SqlSession& s_;
};

// SqlMessages: ports::MessageStore over the connection of one transaction: the outgoing message
// queue.
class SqlMessages final : public ports::MessageStore {
 public:
  explicit SqlMessages(SqlSession& session) : s_(session) {}

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
  Result<int> TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                 Time now) override;
  Result<std::int64_t> CountMessages(MessageState state) override;

 private:
  // Moves a sending message to `to_state` with next_attempt_at/last_error, taking
  // `attempts_given_back` (0 or 1, never below zero) off its attempts; kConflict when the message
  // is not sending.
  Status FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                              const std::string& error, int attempts_given_back, Time now);

  SqlSession& s_;
};

// SqlCoordination: ports::CoordinationStore over the connection of one transaction: job leases,
// alert throttling, Telegram updates taken and named settings.
class SqlCoordination final : public ports::CoordinationStore {
 public:
  explicit SqlCoordination(SqlSession& session) : s_(session) {}

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

 private:
  SqlSession& s_;
};

// SqlHousekeeping: ports::HousekeepingStore over the connection of one transaction: statistics,
// count folding and the retention purge.
class SqlHousekeeping final : public ports::HousekeepingStore {
 public:
  explicit SqlHousekeeping(SqlSession& session) : s_(session) {}

  Result<int> PurgeDoneTasks(Time settled_before, int limit) override;
  Result<int> PurgeSettledMessages(Time settled_before, int limit) override;
  Status FoldStatCounters() override;
  Result<ports::StoreStats> Stats() override;
  Result<std::vector<ports::ServerKeyCount>> CountSlotKeysByServer() override;

 private:
  // users and keys_by_state from the maintained counters (migration 0007).
  Status ReadStatCounters(ports::StoreStats& stats);

  SqlSession& s_;
};

// SqlBilling: ports::BillingStore over the connection of one transaction: orders, payments, promo
// codes, referral rewards, location switches and the selling figures.
class SqlBilling final : public ports::BillingStore {
 public:
  explicit SqlBilling(SqlSession& session) : s_(session) {}

  Result<Id> InsertOrder(const Order& order) override;
  Result<Order> GetOrder(Id id) override;
  Result<std::optional<Order>> FindOpenOrder(const Order& like, Time now) override;
  Status MoveOrder(Id id, OrderState from, OrderState to, Id result_key_id, Time now) override;
  Result<std::optional<Order>> FindOrderThatMadeKey(Id key_id) override;
  Result<std::vector<Order>> ListOrders(const ports::OrderFilter& filter) override;
  Result<int> ExpireOrders(Time now, int limit) override;
  Result<Id> InsertPayment(const Payment& payment) override;
  Result<std::optional<Payment>> FindPayment(const std::string& provider,
                                             const std::string& provider_payment_id) override;
  Result<Payment> GetPayment(Id id) override;
  Result<std::vector<Payment>> ListPayments(const ports::PaymentFilter& filter) override;
  Status MovePayment(Id id, PaymentState from, PaymentState to, Time now) override;
  Result<Id> InsertPromo(const PromoCode& promo) override;
  Result<std::optional<PromoCode>> FindPromo(const std::string& code) override;
  Result<std::vector<PromoCode>> ListPromos() override;
  Status DisablePromo(const std::string& code) override;
  Status UsePromo(Id promo_id, Id user_id, Id order_id, Time now) override;
  Result<bool> PromoUsedBy(Id promo_id, Id user_id) override;
  Result<Id> InsertReferralReward(const ReferralReward& reward) override;
  Result<ReferralTotals> ReferralTotalsOf(Id referrer_id) override;
  Result<int> TakeReferralCredit(Id referrer_id, Id key_id) override;
  Status InsertKeySwitch(const KeySwitch& key_switch) override;
  Result<std::optional<KeySwitch>> GetKeySwitch(Id new_key_id) override;
  Result<std::optional<Id>> FinishKeySwitch(Id new_key_id) override;
  Result<BillingFigures> Figures(Time day_start, Time month_start) override;

 private:
  SqlSession& s_;
};

// SqlInvoices: ports::InvoiceStore over the connection of one transaction (orders' invoice
// columns, migration 0012).
class SqlInvoices final : public ports::InvoiceStore {
 public:
  explicit SqlInvoices(SqlSession& session) : s_(session) {}

  Status SetOrderInvoice(Id id, const std::string& invoice_ref, const std::string& invoice_url,
                         std::optional<Time> next_check_at, Time now) override;
  Result<std::vector<Order>> DueOrderChecks(Time now, int limit) override;
  Status SetOrderCheck(Id id, int checks, std::optional<Time> next_check_at, Time now) override;

 private:
  SqlSession& s_;
};

// The columns of an order row as SqlBilling and SqlInvoices select them, and their reader.
#define VPNHUB_ORDER_COLUMNS                                                                 \
  "id, user_id, kind, location_id, key_id, months, provider, amount, currency, promo_code, " \
  "bonus_days, state, result_key_id, created_at, expires_at, updated_at, invoice_ref, "      \
  "invoice_url, checks, next_check_at"
Result<Order> ReadOrderRow(const SqlRow& r);

// SqlTx: the StoreTx of one open transaction: one object per port, all on the session of the
// connection that has the transaction open. Not thread-safe; lives only inside a Write/Read
// callback. A read-only transaction rejects every write method with kFailedPrecondition before it
// reaches the database.
class SqlTx final : public ports::StoreTx {
 public:
  explicit SqlTx(SqlSession& session)
      : users_(session),
        catalog_(session),
        keys_(session),
        tasks_(session),
        messages_(session),
        coordination_(session),
        housekeeping_(session),
        billing_(session),
        invoices_(session) {}

  ports::UserStore& users() override { return users_; }
  ports::CatalogStore& catalog() override { return catalog_; }
  ports::KeyStore& keys() override { return keys_; }
  ports::TaskStore& tasks() override { return tasks_; }
  ports::MessageStore& messages() override { return messages_; }
  ports::CoordinationStore& coordination() override { return coordination_; }
  ports::HousekeepingStore& housekeeping() override { return housekeeping_; }
  ports::BillingStore& billing() override { return billing_; }
  ports::InvoiceStore& invoices() override { return invoices_; }

 private:
  SqlUsers users_;
  SqlCatalog catalog_;
  SqlKeys keys_;
  SqlTasks tasks_;
  SqlMessages messages_;
  SqlCoordination coordination_;
  SqlHousekeeping housekeeping_;
  SqlBilling billing_;
  SqlInvoices invoices_;
};

// Runs fn on a SqlTx over `session`; an exception out of fn is kInternal, so the store rolls the
// transaction back as for any other failure.
Status RunOnSession(SqlSession& session, const ports::Store::TxFn& fn);

}  // namespace vpnhub::storage
