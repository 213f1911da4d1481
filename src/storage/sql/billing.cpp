// SqlBilling: orders, the payments providers confirmed, promo codes, referral rewards, location
// switches and the selling figures (ports::BillingStore, migration 0008). The unique constraints
// do the exactly-once work: a replay is kAlreadyExists and leaves the transaction usable
// (InsertUnique; ON CONFLICT DO NOTHING, which both dialects spell alike). Two transactions
// inserting one payment never both commit: on PostgreSQL the second waits on the first's row and
// then inserts nothing (READ COMMITTED) or loses a serialization conflict and runs again
// (SERIALIZABLE); SQLite runs one writer at a time.
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

#define VPNHUB_ORDER_SELECT                                                             \
  "SELECT id, user_id, kind, location_id, key_id, months, provider, amount, currency, " \
  "promo_code, bonus_days, state, result_key_id, created_at, expires_at, updated_at, "  \
  "invoice_ref, invoice_url, checks, next_check_at FROM orders "
#define VPNHUB_PAYMENT_SELECT                                                                      \
  "SELECT id, provider, provider_payment_id, order_id, user_id, amount, currency, raw_reference, " \
  "state, created_at, updated_at FROM payments "
#define VPNHUB_PROMO_SELECT                                                                       \
  "SELECT id, code, percent, bonus_days, max_uses, uses, once_per_person, valid_until, enabled, " \
  "created_at FROM promo_codes "

constexpr SqlText kGetOrderSql = VPNHUB_ORDER_SELECT "WHERE id = $1";
constexpr SqlText kFindOpenOrderSql = VPNHUB_ORDER_SELECT
    "WHERE user_id = $1 AND state = 'created' AND kind = $2 AND location_id = $3 AND "
    "key_id = $4 AND months = $5 AND provider = $6 AND currency = $7 AND promo_code = $8 AND "
    "expires_at > $9 ORDER BY id DESC LIMIT 1";
// On the orders_result_key index (migration 0011).
constexpr SqlText kOrderThatMadeKeySql = VPNHUB_ORDER_SELECT
    "WHERE result_key_id = $1 AND state = 'fulfilled' AND kind IN ('new_key', 'switch') "
    "ORDER BY id LIMIT 1";
// $1 user id or NULL for any, $2 state or '' for any.
constexpr SqlText kListOrdersSql = VPNHUB_ORDER_SELECT
    "WHERE (CAST($1 AS BIGINT) IS NULL OR user_id = $1) AND ($2 = '' OR state = $2) "
    "ORDER BY id DESC LIMIT $3";
constexpr SqlText kGetPaymentSql = VPNHUB_PAYMENT_SELECT "WHERE id = $1";
constexpr SqlText kFindPaymentSql =
    VPNHUB_PAYMENT_SELECT "WHERE provider = $1 AND provider_payment_id = $2";
// $1 user id or NULL for any, $2 provider or '' for any.
constexpr SqlText kListPaymentsSql = VPNHUB_PAYMENT_SELECT
    "WHERE (CAST($1 AS BIGINT) IS NULL OR user_id = $1) AND ($2 = '' OR provider = $2) "
    "ORDER BY id DESC LIMIT $3";
constexpr SqlText kFindPromoSql = VPNHUB_PROMO_SELECT "WHERE code = $1";
constexpr SqlText kListPromosSql = VPNHUB_PROMO_SELECT "ORDER BY code";

#undef VPNHUB_ORDER_SELECT
#undef VPNHUB_PAYMENT_SELECT
#undef VPNHUB_PROMO_SELECT

// A range of the (state, expires_at) index. PostgreSQL: SKIP LOCKED, so a concurrent sweep takes
// other orders instead of waiting, and the UPDATE re-checks the state of an order changed since
// the scan. SQLite: one writer at a time.
constexpr SqlText kExpireOrdersSql(
    "UPDATE orders SET state = 'expired', updated_at = $1 WHERE id IN (SELECT id FROM orders "
    "WHERE state = 'created' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 "
    "FOR UPDATE SKIP LOCKED) AND state = 'created'",
    "UPDATE orders SET state = 'expired', updated_at = $1 WHERE id IN (SELECT id FROM orders "
    "WHERE state = 'created' AND expires_at <= $1 ORDER BY expires_at LIMIT $2)");

Result<Payment> ReadPayment(const SqlRow& r) {
  Payment p;
  p.id = r.Int64(0);
  p.provider = r.Text(1);
  p.provider_payment_id = r.Text(2);
  p.order_id = r.Int64(3);
  p.user_id = r.Int64(4);
  p.amount = r.Int64(5);
  p.currency = r.Text(6);
  p.raw_reference = r.Text(7);
  VPNHUB_ASSIGN_OR_RETURN(p.state, r.Named(8, ParsePaymentState, "payment", p.id, "state"));
  p.created_at = r.Ms(9);
  p.updated_at = r.Ms(10);
  return p;
}

PromoCode ReadPromo(const SqlRow& r) {
  PromoCode p;
  p.id = r.Int64(0);
  p.code = r.Text(1);
  p.percent = r.Int(2);
  p.bonus_days = r.Int(3);
  p.max_uses = r.Int(4);
  p.uses = r.Int(5);
  p.once_per_person = r.Bool(6);
  p.valid_until = r.MsOrNull(7);
  p.enabled = r.Bool(8);
  p.created_at = r.Ms(9);
  return p;
}

KeySwitch ReadKeySwitch(const SqlRow& r) {
  KeySwitch k;
  k.new_key_id = r.Int64(0);
  k.old_key_id = r.Int64(1);
  k.order_id = r.Int64(2);
  k.number = r.Int(3);
  k.done = r.Bool(4);
  k.created_at = r.Ms(5);
  return k;
}

std::int64_t ReadFirstInt64(const SqlRow& r) { return r.Int64(0); }

// The first column of the one row `sql` returns (a count); 0 without a row.
Result<std::int64_t> Count(SqlSession& s, const SqlText& sql, const SqlParams& params) {
  VPNHUB_ASSIGN_OR_RETURN(auto n, s.First<std::int64_t>(sql, params, ReadFirstInt64));
  return n.value_or(0);
}

// The revenue lines of credited payments created at or after `since`.
Result<std::vector<RevenueLine>> Revenue(SqlSession& s, Time since) {
  return s.All<RevenueLine>(
      "SELECT provider, currency, count(*), CAST(sum(amount) AS BIGINT) FROM payments "
      "WHERE created_at >= $1 AND state = 'credited' "
      "GROUP BY provider, currency ORDER BY provider, currency",
      SqlParams().Ms(since), [](const SqlRow& r) {
        return RevenueLine{r.Text(0), r.Text(1), r.Int64(2), r.Int64(3)};
      });
}

// Orders with a credited payment created at or after `since`.
Result<std::int64_t> PaidOrders(SqlSession& s, Time since) {
  return Count(s,
               "SELECT count(DISTINCT order_id) FROM payments "
               "WHERE created_at >= $1 AND state = 'credited'",
               SqlParams().Ms(since));
}

}  // namespace

Result<Order> ReadOrderRow(const SqlRow& r) {
  Order o;
  o.id = r.Int64(0);
  o.user_id = r.Int64(1);
  VPNHUB_ASSIGN_OR_RETURN(o.kind, r.Named(2, ParseOrderKind, "order", o.id, "kind"));
  o.location_id = r.Int64(3);
  o.key_id = r.Int64(4);
  o.months = r.Int(5);
  o.provider = r.Text(6);
  o.amount = r.Int64(7);
  o.currency = r.Text(8);
  o.promo_code = r.Text(9);
  o.bonus_days = r.Int(10);
  VPNHUB_ASSIGN_OR_RETURN(o.state, r.Named(11, ParseOrderState, "order", o.id, "state"));
  o.result_key_id = r.Int64(12);
  o.created_at = r.Ms(13);
  o.expires_at = r.Ms(14);
  o.updated_at = r.Ms(15);
  o.invoice_ref = r.Text(16);
  o.invoice_url = r.Text(17);
  o.checks = r.Int(18);
  o.next_check_at = r.MsOrNull(19);
  return o;
}

Result<Id> SqlBilling::InsertOrder(const Order& o) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertOrder"));
  return s_.InsertUnique(
      "INSERT INTO orders (user_id, kind, location_id, key_id, months, provider, amount, "
      "currency, promo_code, bonus_days, state, result_key_id, created_at, expires_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      SqlParams()
          .Int(o.user_id)
          .Text(OrderKindName(o.kind))
          .Int(o.location_id)
          .Int(o.key_id)
          .Int(o.months)
          .Text(o.provider)
          .Int(o.amount)
          .Text(o.currency)
          .Text(o.promo_code)
          .Int(o.bonus_days)
          .Text(OrderStateName(o.state))
          .Int(o.result_key_id)
          .Ms(o.created_at)
          .Ms(o.expires_at)
          .Ms(o.updated_at),
      "order");
}

Result<Order> SqlBilling::GetOrder(Id id) {
  return s_.GetById<Order>(kGetOrderSql, id, "order", ReadOrderRow);
}

Result<std::optional<Order>> SqlBilling::FindOpenOrder(const Order& like, Time now) {
  return s_.First<Order>(kFindOpenOrderSql,
                         SqlParams()
                             .Int(like.user_id)
                             .Text(OrderKindName(like.kind))
                             .Int(like.location_id)
                             .Int(like.key_id)
                             .Int(like.months)
                             .Text(like.provider)
                             .Text(like.currency)
                             .Text(like.promo_code)
                             .Ms(now),
                         ReadOrderRow);
}

Status SqlBilling::MoveOrder(Id id, OrderState from, OrderState to, Id result_key_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("MoveOrder"));
  // $5 is NULL when result_key_id is 0: the order keeps the one it has.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(
          "UPDATE orders SET state = $3, updated_at = $4, "
          "result_key_id = COALESCE($5, result_key_id), next_check_at = CASE WHEN $3 IN "
          "('created', 'expired') THEN next_check_at END WHERE id = $1 AND state = $2",
          SqlParams()
              .Int(id)
              .Text(OrderStateName(from))
              .Text(OrderStateName(to))
              .Ms(now)
              .IntOrNull(result_key_id != 0 ? std::optional<Id>(result_key_id) : std::nullopt)));
  if (changed > 0) return Status::Ok();
  return s_.ExplainNoChange(
      "orders", "order", id,
      Conflict("order " + std::to_string(id) + " is not " + OrderStateName(from)));
}

Result<std::optional<Order>> SqlBilling::FindOrderThatMadeKey(Id key_id) {
  if (key_id == 0) return std::optional<Order>();
  return s_.First<Order>(kOrderThatMadeKeySql, SqlParams().Int(key_id), ReadOrderRow);
}

Result<std::vector<Order>> SqlBilling::ListOrders(const ports::OrderFilter& f) {
  return s_.All<Order>(kListOrdersSql,
                       SqlParams()
                           .IntOrNull(f.user_id)
                           .Text(f.state ? OrderStateName(*f.state) : "")
                           .Int(NonNegative(f.limit)),
                       ReadOrderRow);
}

Result<int> SqlBilling::ExpireOrders(Time now, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ExpireOrders"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed,
                          s_.Modify(kExpireOrdersSql, SqlParams().Ms(now).Int(NonNegative(limit))));
  return static_cast<int>(changed);
}

Result<Id> SqlBilling::InsertPayment(const Payment& p) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertPayment"));
  return s_.InsertUnique(
      "INSERT INTO payments (provider, provider_payment_id, order_id, user_id, amount, currency, "
      "raw_reference, state, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      SqlParams()
          .Text(p.provider)
          .Text(p.provider_payment_id)
          .Int(p.order_id)
          .Int(p.user_id)
          .Int(p.amount)
          .Text(p.currency)
          .Text(p.raw_reference)
          .Text(PaymentStateName(p.state))
          .Ms(p.created_at)
          .Ms(p.updated_at),
      "payment " + p.provider + " " + p.provider_payment_id);
}

Result<std::optional<Payment>> SqlBilling::FindPayment(const std::string& provider,
                                                       const std::string& provider_payment_id) {
  return s_.First<Payment>(kFindPaymentSql, SqlParams().Text(provider).Text(provider_payment_id),
                           ReadPayment);
}

Result<Payment> SqlBilling::GetPayment(Id id) {
  return s_.GetById<Payment>(kGetPaymentSql, id, "payment", ReadPayment);
}

Result<std::vector<Payment>> SqlBilling::ListPayments(const ports::PaymentFilter& f) {
  return s_.All<Payment>(
      kListPaymentsSql, SqlParams().IntOrNull(f.user_id).Text(f.provider).Int(NonNegative(f.limit)),
      ReadPayment);
}

Status SqlBilling::MovePayment(Id id, PaymentState from, PaymentState to, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("MovePayment"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(
          "UPDATE payments SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2",
          SqlParams().Int(id).Text(PaymentStateName(from)).Text(PaymentStateName(to)).Ms(now)));
  if (changed > 0) return Status::Ok();
  return s_.ExplainNoChange(
      "payments", "payment", id,
      Conflict("payment " + std::to_string(id) + " is not " + PaymentStateName(from)));
}

Result<Id> SqlBilling::InsertPromo(const PromoCode& p) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertPromo"));
  return s_.InsertUnique(
      "INSERT INTO promo_codes (code, percent, bonus_days, max_uses, uses, once_per_person, "
      "valid_until, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      SqlParams()
          .Text(p.code)
          .Int(p.percent)
          .Int(p.bonus_days)
          .Int(p.max_uses)
          .Int(p.uses)
          .Bool(p.once_per_person)
          .MsOrNull(p.valid_until)
          .Bool(p.enabled)
          .Ms(p.created_at),
      "promo code '" + p.code + "'");
}

Result<std::optional<PromoCode>> SqlBilling::FindPromo(const std::string& code) {
  return s_.First<PromoCode>(kFindPromoSql, SqlParams().Text(code), ReadPromo);
}

Result<std::vector<PromoCode>> SqlBilling::ListPromos() {
  return s_.All<PromoCode>(kListPromosSql, SqlParams(), ReadPromo);
}

Status SqlBilling::DisablePromo(const std::string& code) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("DisablePromo"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify("UPDATE promo_codes SET enabled = FALSE WHERE code = $1", SqlParams().Text(code)));
  if (changed == 0) return NotFound("promo code '" + code + "' not found");
  return Status::Ok();
}

Status SqlBilling::UsePromo(Id promo_id, Id user_id, Id order_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("UsePromo"));
  VPNHUB_ASSIGN_OR_RETURN(bool exists, s_.Exists("promo_codes", promo_id));
  if (!exists) return NotFound("promo code " + std::to_string(promo_id));
  // The use first (its unique indexes refuse a second use by one person or one order), then the
  // count, only while uses are left; a count refused takes the use back. On PostgreSQL the
  // count's UPDATE locks the code's row: a concurrent use waits for it and then sees the new
  // count (READ COMMITTED re-checks the condition; SERIALIZABLE loses a conflict and runs again),
  // so max_uses is never exceeded. SQLite runs one writer at a time.
  VPNHUB_ASSIGN_OR_RETURN(
      Id use_id,
      s_.InsertUnique(
          "INSERT INTO promo_uses (promo_id, user_id, order_id, once_user_id, "
          "created_at) SELECT id, $2, $3, CASE WHEN once_per_person THEN "
          "CAST($2 AS BIGINT) END, $4 FROM promo_codes WHERE id = $1",
          SqlParams().Int(promo_id).Int(user_id).Int(order_id).Ms(now),
          "promo code " + std::to_string(promo_id) + " used by this person or for this order"));
  VPNHUB_ASSIGN_OR_RETURN(auto counted,
                          s_.Modify("UPDATE promo_codes SET uses = uses + 1 WHERE id = $1 AND "
                                    "enabled = TRUE AND (max_uses = 0 OR uses < max_uses)",
                                    SqlParams().Int(promo_id)));
  if (counted > 0) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(
      s_.Modify("DELETE FROM promo_uses WHERE id = $1", SqlParams().Int(use_id)).status());
  return ResourceExhausted("promo code " + std::to_string(promo_id) + " is used up or disabled");
}

Result<bool> SqlBilling::PromoUsedBy(Id promo_id, Id user_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto used,
      s_.First<std::int64_t>("SELECT 1 FROM promo_uses WHERE promo_id = $1 AND user_id = $2 "
                             "LIMIT 1",
                             SqlParams().Int(promo_id).Int(user_id), ReadFirstInt64));
  return used.has_value();
}

Result<Id> SqlBilling::InsertReferralReward(const ReferralReward& rw) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertReferralReward"));
  return s_.InsertUnique(
      "INSERT INTO referral_rewards (referrer_id, invitee_id, order_id, days, key_id, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      SqlParams()
          .Int(rw.referrer_id)
          .Int(rw.invitee_id)
          .Int(rw.order_id)
          .Int(rw.days)
          .Int(rw.key_id)
          .Ms(rw.created_at),
      "referral reward of order " + std::to_string(rw.order_id));
}

Result<ReferralTotals> SqlBilling::ReferralTotalsOf(Id referrer_id) {
  ReferralTotals t;
  VPNHUB_ASSIGN_OR_RETURN(t.invited, Count(s_, "SELECT count(*) FROM users WHERE referrer_id = $1",
                                           SqlParams().Int(referrer_id)));
  VPNHUB_ASSIGN_OR_RETURN(
      t.paid, Count(s_,
                    "SELECT count(*) FROM users u WHERE u.referrer_id = $1 AND EXISTS (SELECT 1 "
                    "FROM payments p WHERE p.user_id = u.id AND p.state = 'credited')",
                    SqlParams().Int(referrer_id)));
  VPNHUB_RETURN_IF_ERROR(
      s_.Query("SELECT count(*), CAST(coalesce(sum(days), 0) AS BIGINT), "
               "CAST(coalesce(sum(CASE WHEN key_id = 0 THEN days ELSE 0 END), 0) AS BIGINT) "
               "FROM referral_rewards WHERE referrer_id = $1",
               SqlParams().Int(referrer_id), [&](const SqlRow& r) {
                 t.rewards = r.Int64(0);
                 t.days_earned = r.Int64(1);
                 t.days_pending = r.Int64(2);
                 return Status::Ok();
               }));
  return t;
}

Result<int> SqlBilling::TakeReferralCredit(Id referrer_id, Id key_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("TakeReferralCredit"));
  int days = 0;
  VPNHUB_RETURN_IF_ERROR(
      s_.Query("UPDATE referral_rewards SET key_id = $2 "
               "WHERE referrer_id = $1 AND key_id = 0 RETURNING days",
               SqlParams().Int(referrer_id).Int(key_id), [&](const SqlRow& r) {
                 days += r.Int(0);
                 return Status::Ok();
               }));
  return days;
}

Status SqlBilling::InsertKeySwitch(const KeySwitch& k) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertKeySwitch"));
  // key_switches has no id column for InsertUnique to return: ON CONFLICT DO NOTHING, which both
  // dialects understand, and no row inserted is the taken unique value.
  VPNHUB_ASSIGN_OR_RETURN(
      auto inserted,
      s_.Modify("INSERT INTO key_switches (new_key_id, old_key_id, order_id, number, done, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                SqlParams()
                    .Int(k.new_key_id)
                    .Int(k.old_key_id)
                    .Int(k.order_id)
                    .Int(k.number)
                    .Bool(k.done)
                    .Ms(k.created_at)));
  if (inserted > 0) return Status::Ok();
  return AlreadyExists("switch of key " + std::to_string(k.old_key_id) +
                       ": a unique value is taken");
}

Result<std::optional<KeySwitch>> SqlBilling::GetKeySwitch(Id new_key_id) {
  return s_.First<KeySwitch>(
      "SELECT new_key_id, old_key_id, order_id, number, done, created_at "
      "FROM key_switches WHERE new_key_id = $1",
      SqlParams().Int(new_key_id), ReadKeySwitch);
}

Result<std::optional<Id>> SqlBilling::FinishKeySwitch(Id new_key_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("FinishKeySwitch"));
  return s_.First<Id>(
      "UPDATE key_switches SET done = TRUE WHERE new_key_id = $1 AND "
      "done = FALSE RETURNING old_key_id",
      SqlParams().Int(new_key_id), ReadFirstInt64);
}

Result<BillingFigures> SqlBilling::Figures(Time day_start, Time month_start) {
  BillingFigures f;
  VPNHUB_ASSIGN_OR_RETURN(f.today, Revenue(s_, day_start));
  VPNHUB_ASSIGN_OR_RETURN(f.month, Revenue(s_, month_start));
  VPNHUB_ASSIGN_OR_RETURN(f.paid_orders_today, PaidOrders(s_, day_start));
  VPNHUB_ASSIGN_OR_RETURN(f.paid_orders_month, PaidOrders(s_, month_start));
  VPNHUB_ASSIGN_OR_RETURN(f.paid_orders,
                          Count(s_, "SELECT count(*) FROM orders WHERE state = 'fulfilled'", {}));
  // The partial index users_trial holds exactly these rows.
  VPNHUB_ASSIGN_OR_RETURN(f.trial_users,
                          Count(s_, "SELECT count(*) FROM users WHERE trial_used = TRUE", {}));
  // Driven from the credited payments (fewer than the trial users), each checked against the
  // payer's first trial key through keys_user: a person who bought first and took a trial later
  // is not a conversion.
  VPNHUB_ASSIGN_OR_RETURN(
      f.trial_then_paid,
      Count(s_,
            "SELECT count(DISTINCT p.user_id) FROM payments p JOIN users u ON u.id = p.user_id "
            "WHERE p.state = 'credited' AND u.trial_used = TRUE AND p.created_at >= (SELECT "
            "min(k.created_at) FROM keys k WHERE k.user_id = p.user_id AND k.is_trial = TRUE)",
            {}));
  return f;
}

}  // namespace vpnhub::storage
