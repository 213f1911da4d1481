#pragma once
// Selling: orders, the payments providers confirmed, promo codes, referral rewards, location
// switches and the /admin figures (ports::BillingStore).
#include <optional>
#include <string>
#include <vector>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

struct OrderFilter {
  std::optional<Id> user_id;
  std::optional<OrderState> state;
  int limit = 100;
};

struct PaymentFilter {
  std::optional<Id> user_id;
  std::string provider;  // empty = any
  int limit = 100;
};

// Billing rows. Reached through StoreTx::billing(); valid only inside the transaction that handed
// it out, not thread-safe. Errors: kUnavailable when the database cannot be reached, kInternal on
// unexpected database errors (and for a stored row whose enum cannot be read),
// kFailedPrecondition for a write in a read-only transaction; method-specific codes are listed
// per method. A method that reports kAlreadyExists or kConflict changed nothing and leaves the
// transaction usable.
class BillingStore {
 public:
  virtual ~BillingStore() = default;

  // --- Orders ---
  // Inserts the order as given (id ignored); returns its id.
  virtual Result<Id> InsertOrder(const Order& order) = 0;
  virtual Result<Order> GetOrder(Id id) = 0;  // kNotFound when absent
  // The person's newest order for the same choice that can still be paid: state created,
  // expires_at > now, and user_id, kind, location_id, key_id, months, provider, currency and
  // promo_code equal to `like`'s. nullopt when there is none.
  virtual Result<std::optional<Order>> FindOpenOrder(const Order& like, Time now) = 0;
  // Compare-and-set of the order's state (updated_at = now); sets result_key_id when it is not
  // 0, and clears next_check_at when `to` is neither created nor expired (nothing left to ask
  // the provider). kConflict when the order is not in `from`, kNotFound when absent.
  virtual Status MoveOrder(Id id, OrderState from, OrderState to, Id result_key_id, Time now) = 0;
  // The fulfilled order whose effect made the key `key_id` (kind new_key or switch, its
  // result_key_id); nullopt for a key no order made (a trial, an operator's key, a key an
  // extension extended or replaced).
  virtual Result<std::optional<Order>> FindOrderThatMadeKey(Id key_id) = 0;
  // Orders matching the filter, newest id first.
  virtual Result<std::vector<Order>> ListOrders(const OrderFilter& filter) = 0;
  // Up to `limit` created orders with expires_at <= now move to expired; returns how many.
  // O(result) through the (state, expires_at) index.
  virtual Result<int> ExpireOrders(Time now, int limit) = 0;

  // --- Payments ---
  // Records a confirmed payment (id ignored); returns its id. kAlreadyExists when a payment with
  // the same (provider, provider_payment_id) exists: a replayed confirmation. Two transactions
  // inserting the same pair never both commit.
  virtual Result<Id> InsertPayment(const Payment& payment) = 0;
  virtual Result<std::optional<Payment>> FindPayment(const std::string& provider,
                                                     const std::string& provider_payment_id) = 0;
  virtual Result<Payment> GetPayment(Id id) = 0;  // kNotFound when absent
  // Payments matching the filter, newest id first.
  virtual Result<std::vector<Payment>> ListPayments(const PaymentFilter& filter) = 0;
  // Compare-and-set of the payment's state (updated_at = now). kConflict when it is not in
  // `from`, kNotFound when absent.
  virtual Status MovePayment(Id id, PaymentState from, PaymentState to, Time now) = 0;

  // --- Promo codes (codes are stored and looked up as given: callers upper-case them) ---
  // kAlreadyExists when the code exists.
  virtual Result<Id> InsertPromo(const PromoCode& promo) = 0;
  virtual Result<std::optional<PromoCode>> FindPromo(const std::string& code) = 0;
  virtual Result<std::vector<PromoCode>> ListPromos() = 0;  // by code
  // Sets enabled = false (idempotent). kNotFound for an unknown code.
  virtual Status DisablePromo(const std::string& code) = 0;
  // Counts one use of the code by `user_id` for `order_id`, atomically against every other
  // transaction: kResourceExhausted when the code is disabled or its max_uses are used up,
  // kAlreadyExists when it is once-per-person and this person used it already, or when this
  // order used it already. Concurrent uses never exceed max_uses.
  virtual Status UsePromo(Id promo_id, Id user_id, Id order_id, Time now) = 0;
  // Whether `user_id` has used the code (a counted use).
  virtual Result<bool> PromoUsedBy(Id promo_id, Id user_id) = 0;

  // --- Referral rewards ---
  // kAlreadyExists when the order was rewarded already.
  virtual Result<Id> InsertReferralReward(const ReferralReward& reward) = 0;
  // The referrer's invited people (users whose referrer_id is theirs) and rewards.
  virtual Result<ReferralTotals> ReferralTotalsOf(Id referrer_id) = 0;
  // The referrer's rewards kept as credit (key_id 0) now go to `key_id`; returns their days
  // (0 when there were none).
  virtual Result<int> TakeReferralCredit(Id referrer_id, Id key_id) = 0;

  // --- Location switches ---
  // kAlreadyExists when old_key_id was switched already (or new_key_id replaces a key already).
  virtual Status InsertKeySwitch(const KeySwitch& key_switch) = 0;
  // The switch that made `new_key_id`; nullopt for a key that no switch made.
  virtual Result<std::optional<KeySwitch>> GetKeySwitch(Id new_key_id) = 0;
  // Compare-and-set done false -> true on the switch that made `new_key_id`; returns the old
  // key's id when this call moved it, nullopt when there is no such switch or it was done.
  virtual Result<std::optional<Id>> FinishKeySwitch(Id new_key_id) = 0;

  // --- Figures ---
  // Credited payments since `day_start` and since `month_start` by provider and currency
  // (provider, currency order), fulfilled orders, and the trial -> paid conversion.
  virtual Result<BillingFigures> Figures(Time day_start, Time month_start) = 0;
};

}  // namespace vpnhub::ports
