#pragma once
// Billing domain types: what a person orders, what a payment provider confirmed, promo codes and
// referral rewards. Plain data; the rules live in usecases/billing_*.{hpp,cpp}. Amounts are
// integers in the currency's smallest unit the operator prices in (whole roubles for RUB as in
// MONTH_COST, whole Stars for XTR); they are always computed on the server from configuration,
// never taken from a button or a provider's word.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/time.hpp"

namespace vpnhub {

// A month of VPN time, as in the Python bot: 31 days.
inline constexpr Duration kBillingMonth = std::chrono::seconds(2'678'400);

// The currency of Telegram Stars.
inline constexpr char kStarsCurrency[] = "XTR";

enum class OrderKind {
  kNewKey,  // a new key in location_id for `months`
  kExtend,  // `months` more on key_id
  kSwitch,  // key_id moves to location_id (a paid switch; free ones need no order)
};
const char* OrderKindName(OrderKind kind);
std::optional<OrderKind> ParseOrderKind(const std::string& name);

// created -> paid -> fulfilled; created -> expired | cancelled; paid|fulfilled -> refunded.
enum class OrderState { kCreated, kPaid, kFulfilled, kExpired, kCancelled, kRefunded };
const char* OrderStateName(OrderState state);
std::optional<OrderState> ParseOrderState(const std::string& name);

struct Order {
  Id id = 0;
  Id user_id = 0;
  OrderKind kind = OrderKind::kNewKey;
  Id location_id = 0;       // kNewKey, kSwitch: where the key goes
  Id key_id = 0;            // kExtend, kSwitch: the person's key it applies to
  int months = 0;           // kNewKey, kExtend
  std::string provider;     // the payment provider's registered name ("stars")
  std::int64_t amount = 0;  // what the person pays, after the promo discount
  std::string currency;     // "RUB", "XTR", ...
  std::string promo_code;   // empty when none
  int bonus_days = 0;       // from a days promo, added to the key on fulfilment
  OrderState state = OrderState::kCreated;
  Id result_key_id = 0;  // the key the order made or extended, once fulfilled
  // The invoice a provider over HTTP made for the order (InvoiceRequest): its id at the provider
  // ("" when it has none) and the payment link; both "" until an invoice was made (and for Stars).
  std::string invoice_ref;
  std::string invoice_url;
  // The reconciliation job: how often it asked the provider about the order, and when it asks
  // next (nullopt: not asked, or asking is over: paid, closed at the provider, given up).
  int checks = 0;
  std::optional<Time> next_check_at;
  Time created_at{};
  Time expires_at{};  // a created order past this time can no longer be paid
  Time updated_at{};
};

enum class PaymentState {
  kCredited,  // the order was paid and fulfilled by this payment
  kMismatch,  // amount or currency differed from the order: recorded, never credited
  kRefunded,  // given back (vpnhub payment refund)
};
const char* PaymentStateName(PaymentState state);
std::optional<PaymentState> ParsePaymentState(const std::string& name);

// What a provider confirmed. (provider, provider_payment_id) is unique: a replayed notification
// finds its payment and credits nothing.
struct Payment {
  Id id = 0;
  std::string provider;
  std::string provider_payment_id;  // Stars: telegram_payment_charge_id
  Id order_id = 0;
  Id user_id = 0;
  std::int64_t amount = 0;
  std::string currency;
  std::string raw_reference;  // provider-side detail kept for support (never a secret)
  PaymentState state = PaymentState::kCredited;
  Time created_at{};
  Time updated_at{};
};

struct PromoCode {
  Id id = 0;
  std::string code;    // as the person types it; matched case-insensitively (stored upper case)
  int percent = 0;     // 1..100 off the price, or
  int bonus_days = 0;  // days added to what is bought
  int max_uses = 0;    // 0 = unlimited
  int uses = 0;        // counted in the crediting transaction
  bool once_per_person = false;
  std::optional<Time> valid_until;
  bool enabled = true;
  Time created_at{};
};

// Days a referrer earned for one paid order of someone they invited.
struct ReferralReward {
  Id id = 0;
  Id referrer_id = 0;
  Id invitee_id = 0;
  Id order_id = 0;  // unique: one reward per paid order
  int days = 0;
  Id key_id = 0;  // the referrer's key that got the days; 0 = kept as credit for their next key
  Time created_at{};
};

// A key moved to another location: `new_key_id` replaces `old_key_id`, which is revoked once the
// new key is active (TaskExecutor, in the transaction that activates it). A key is switched at
// most once (its successor is switched next); `number` counts the switches of the chain so far,
// against FREE_SWITCHES_PER_KEY.
struct KeySwitch {
  Id new_key_id = 0;
  Id old_key_id = 0;
  Id order_id = 0;    // 0 for a free switch
  int number = 0;     // 1 for the first switch of the chain
  bool done = false;  // the old key was sent to revoking
  Time created_at{};
};

// What a referrer got from the people they invited.
struct ReferralTotals {
  std::int64_t invited = 0;       // people who registered through their link
  std::int64_t paid = 0;          // of those, people with at least one credited payment
  std::int64_t rewards = 0;       // paid orders rewarded
  std::int64_t days_earned = 0;   // days of all rewards
  std::int64_t days_pending = 0;  // of those, kept as credit for their next key
};

// Credited payments of one provider in one currency.
struct RevenueLine {
  std::string provider;
  std::string currency;
  std::int64_t payments = 0;
  std::int64_t amount = 0;
};

// The /admin figures of selling. Revenue and paid orders count payments in state credited (a
// refunded or mismatched payment is not revenue).
struct BillingFigures {
  std::vector<RevenueLine> today;      // credited since the start of the day (UTC)
  std::vector<RevenueLine> month;      // credited in the last 30 days
  std::int64_t paid_orders_today = 0;  // orders with a credited payment since day start
  std::int64_t paid_orders_month = 0;  // orders with a credited payment in the last 30 days
  std::int64_t paid_orders = 0;        // fulfilled orders, all time
  std::int64_t trial_users = 0;        // people whose trial is taken (users.trial_used)
  std::int64_t trial_then_paid = 0;    // of those, people with a credited payment made
                                       // at or after the creation of their first trial key
};

}  // namespace vpnhub
