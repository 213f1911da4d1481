// PgBilling: orders, payments, promo codes, referral rewards, location switches and the selling
// figures (migration 0008). Inserts that may meet a unique value use ON CONFLICT DO NOTHING, so
// a replay is kAlreadyExists and the transaction stays usable (pg_port.hpp). Two transactions
// inserting one payment never both commit: the second waits on the first's row and then inserts
// nothing (READ COMMITTED) or loses a serialization conflict and runs again (SERIALIZABLE).
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgBilling = SqlBilling<PgPort>;

namespace {

#define VPNHUB_ORDER_SELECT                                                             \
  "SELECT id, user_id, kind, location_id, key_id, months, provider, amount, currency, " \
  "promo_code, bonus_days, state, result_key_id, created_at, expires_at, updated_at FROM orders "
#define VPNHUB_PAYMENT_SELECT                                                                      \
  "SELECT id, provider, provider_payment_id, order_id, user_id, amount, currency, raw_reference, " \
  "state, created_at, updated_at FROM payments "
#define VPNHUB_PROMO_SELECT                                                                       \
  "SELECT id, code, percent, bonus_days, max_uses, uses, once_per_person, valid_until, enabled, " \
  "created_at FROM promo_codes "

Result<Order> ReadOrder(const PgResult& r, int i) {
  Order o;
  o.id = r.Int64(i, 0);
  o.user_id = r.Int64(i, 1);
  const std::string kind = r.Text(i, 2);
  auto parsed_kind = ParseOrderKind(kind);
  if (!parsed_kind) return Internal("order " + std::to_string(o.id) + ": unknown kind " + kind);
  o.kind = *parsed_kind;
  o.location_id = r.Int64(i, 3);
  o.key_id = r.Int64(i, 4);
  o.months = r.Int(i, 5);
  o.provider = r.Text(i, 6);
  o.amount = r.Int64(i, 7);
  o.currency = r.Text(i, 8);
  o.promo_code = r.Text(i, 9);
  o.bonus_days = r.Int(i, 10);
  const std::string state = r.Text(i, 11);
  auto parsed_state = ParseOrderState(state);
  if (!parsed_state) return Internal("order " + std::to_string(o.id) + ": unknown state " + state);
  o.state = *parsed_state;
  o.result_key_id = r.Int64(i, 12);
  o.created_at = FromUnixMs(r.Int64(i, 13));
  o.expires_at = FromUnixMs(r.Int64(i, 14));
  o.updated_at = FromUnixMs(r.Int64(i, 15));
  return o;
}

Result<Payment> ReadPayment(const PgResult& r, int i) {
  Payment p;
  p.id = r.Int64(i, 0);
  p.provider = r.Text(i, 1);
  p.provider_payment_id = r.Text(i, 2);
  p.order_id = r.Int64(i, 3);
  p.user_id = r.Int64(i, 4);
  p.amount = r.Int64(i, 5);
  p.currency = r.Text(i, 6);
  p.raw_reference = r.Text(i, 7);
  const std::string state = r.Text(i, 8);
  auto parsed = ParsePaymentState(state);
  if (!parsed) return Internal("payment " + std::to_string(p.id) + ": unknown state " + state);
  p.state = *parsed;
  p.created_at = FromUnixMs(r.Int64(i, 9));
  p.updated_at = FromUnixMs(r.Int64(i, 10));
  return p;
}

Result<PromoCode> ReadPromo(const PgResult& r, int i) {
  PromoCode p;
  p.id = r.Int64(i, 0);
  p.code = r.Text(i, 1);
  p.percent = r.Int(i, 2);
  p.bonus_days = r.Int(i, 3);
  p.max_uses = r.Int(i, 4);
  p.uses = r.Int(i, 5);
  p.once_per_person = r.Bool(i, 6);
  if (!r.IsNull(i, 7)) p.valid_until = FromUnixMs(r.Int64(i, 7));
  p.enabled = r.Bool(i, 8);
  p.created_at = FromUnixMs(r.Int64(i, 9));
  return p;
}

template <class T>
Result<std::vector<T>> Collect(const PgResult& r, Result<T> (*read)(const PgResult&, int)) {
  std::vector<T> out;
  for (int i = 0; i < r.rows(); ++i) {
    VPNHUB_ASSIGN_OR_RETURN(T row, read(r, i));
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<RevenueLine>> Revenue(PgConnection& conn, Time since) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn.Query("SELECT provider, currency, count(*), sum(amount)::bigint FROM payments "
                         "WHERE created_at >= $1 AND state = 'credited' "
                         "GROUP BY provider, currency ORDER BY provider, currency",
                         PgParams().Int(ToUnixMs(since))));
  std::vector<RevenueLine> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Text(i, 1), r.Int64(i, 2), r.Int64(i, 3)});
  }
  return out;
}

Result<std::int64_t> QueryCount(PgConnection& conn, const char* sql,
                                const PgParams& params = PgParams()) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn.Query(sql, params));
  return r.rows() > 0 ? r.Int64(0, 0) : 0;
}

}  // namespace

template <>
Result<Id> PgBilling::InsertOrder(const Order& o) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertOrder"));
  return InsertReturningId(
      "INSERT INTO orders (user_id, kind, location_id, key_id, months, provider, amount, "
      "currency, promo_code, bonus_days, state, result_key_id, created_at, expires_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
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
          .Int(ToUnixMs(o.created_at))
          .Int(ToUnixMs(o.expires_at))
          .Int(ToUnixMs(o.updated_at)),
      "order");
}

template <>
Result<Order> PgBilling::GetOrder(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query(VPNHUB_ORDER_SELECT "WHERE id = $1", PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("order " + std::to_string(id) + " not found");
  return ReadOrder(r, 0);
}

template <>
Result<std::optional<Order>> PgBilling::FindOpenOrder(const Order& like, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(VPNHUB_ORDER_SELECT
                          "WHERE user_id = $1 AND state = 'created' AND kind = $2 AND "
                          "location_id = $3 AND key_id = $4 AND months = $5 AND provider = $6 "
                          "AND currency = $7 AND promo_code = $8 AND expires_at > $9 "
                          "ORDER BY id DESC LIMIT 1",
                          PgParams()
                              .Int(like.user_id)
                              .Text(OrderKindName(like.kind))
                              .Int(like.location_id)
                              .Int(like.key_id)
                              .Int(like.months)
                              .Text(like.provider)
                              .Text(like.currency)
                              .Text(like.promo_code)
                              .Int(ToUnixMs(now))));
  if (r.rows() == 0) return std::optional<Order>();
  VPNHUB_ASSIGN_OR_RETURN(Order o, ReadOrder(r, 0));
  return std::optional<Order>(std::move(o));
}

template <>
Status PgBilling::MoveOrder(Id id, OrderState from, OrderState to, Id result_key_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MoveOrder"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE orders SET state = $3, updated_at = $4, result_key_id = CASE WHEN $5::bigint "
             "<> 0 THEN $5::bigint ELSE result_key_id END WHERE id = $1 AND state = $2",
             PgParams()
                 .Int(id)
                 .Text(OrderStateName(from))
                 .Text(OrderStateName(to))
                 .Int(ToUnixMs(now))
                 .Int(result_key_id)));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(
      "orders", "order", id,
      Conflict("order " + std::to_string(id) + " is not " + OrderStateName(from)));
}

template <>
Result<std::vector<Order>> PgBilling::ListOrders(const ports::OrderFilter& f) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(VPNHUB_ORDER_SELECT "WHERE ($1::bigint IS NULL OR user_id = $1) AND "
                                              "($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3",
                          PgParams()
                              .IntOrNull(f.user_id)
                              .Text(f.state ? OrderStateName(*f.state) : "")
                              .Int(f.limit < 0 ? 0 : f.limit)));
  return Collect<Order>(r, ReadOrder);
}

template <>
Result<int> PgBilling::ExpireOrders(Time now, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ExpireOrders"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE orders SET state = 'expired', updated_at = $1 WHERE id IN (SELECT id FROM "
             "orders WHERE state = 'created' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 "
             "FOR UPDATE SKIP LOCKED) AND state = 'created'",
             PgParams().Int(ToUnixMs(now)).Int(limit < 0 ? 0 : limit)));
  return static_cast<int>(changed);
}

template <>
Result<Id> PgBilling::InsertPayment(const Payment& p) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertPayment"));
  return InsertReturningId(
      "INSERT INTO payments (provider, provider_payment_id, order_id, user_id, amount, currency, "
      "raw_reference, state, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Text(p.provider)
          .Text(p.provider_payment_id)
          .Int(p.order_id)
          .Int(p.user_id)
          .Int(p.amount)
          .Text(p.currency)
          .Text(p.raw_reference)
          .Text(PaymentStateName(p.state))
          .Int(ToUnixMs(p.created_at))
          .Int(ToUnixMs(p.updated_at)),
      "payment " + p.provider + " " + p.provider_payment_id);
}

template <>
Result<std::optional<Payment>> PgBilling::FindPayment(const std::string& provider,
                                                      const std::string& provider_payment_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(VPNHUB_PAYMENT_SELECT "WHERE provider = $1 AND provider_payment_id = $2",
                          PgParams().Text(provider).Text(provider_payment_id)));
  if (r.rows() == 0) return std::optional<Payment>();
  VPNHUB_ASSIGN_OR_RETURN(Payment p, ReadPayment(r, 0));
  return std::optional<Payment>(std::move(p));
}

template <>
Result<Payment> PgBilling::GetPayment(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query(VPNHUB_PAYMENT_SELECT "WHERE id = $1", PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("payment " + std::to_string(id) + " not found");
  return ReadPayment(r, 0);
}

template <>
Result<std::vector<Payment>> PgBilling::ListPayments(const ports::PaymentFilter& f) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(VPNHUB_PAYMENT_SELECT "WHERE ($1::bigint IS NULL OR user_id = $1) AND "
                                        "($2 = '' OR provider = $2) ORDER BY id DESC LIMIT $3",
                  PgParams().IntOrNull(f.user_id).Text(f.provider).Int(f.limit < 0 ? 0 : f.limit)));
  return Collect<Payment>(r, ReadPayment);
}

template <>
Status PgBilling::MovePayment(Id id, PaymentState from, PaymentState to, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MovePayment"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed, Modify("UPDATE payments SET state = $3, updated_at = $4 "
                                               "WHERE id = $1 AND state = $2",
                                               PgParams()
                                                   .Int(id)
                                                   .Text(PaymentStateName(from))
                                                   .Text(PaymentStateName(to))
                                                   .Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(
      "payments", "payment", id,
      Conflict("payment " + std::to_string(id) + " is not " + PaymentStateName(from)));
}

template <>
Result<Id> PgBilling::InsertPromo(const PromoCode& p) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertPromo"));
  return InsertReturningId(
      "INSERT INTO promo_codes (code, percent, bonus_days, max_uses, uses, once_per_person, "
      "valid_until, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Text(p.code)
          .Int(p.percent)
          .Int(p.bonus_days)
          .Int(p.max_uses)
          .Int(p.uses)
          .Bool(p.once_per_person)
          .IntOrNull(OptionalUnixMs(p.valid_until))
          .Bool(p.enabled)
          .Int(ToUnixMs(p.created_at)),
      "promo code '" + p.code + "'");
}

template <>
Result<std::optional<PromoCode>> PgBilling::FindPromo(const std::string& code) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(VPNHUB_PROMO_SELECT "WHERE code = $1", PgParams().Text(code)));
  if (r.rows() == 0) return std::optional<PromoCode>();
  VPNHUB_ASSIGN_OR_RETURN(PromoCode p, ReadPromo(r, 0));
  return std::optional<PromoCode>(std::move(p));
}

template <>
Result<std::vector<PromoCode>> PgBilling::ListPromos() {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(VPNHUB_PROMO_SELECT "ORDER BY code"));
  return Collect<PromoCode>(r, ReadPromo);
}

template <>
Status PgBilling::DisablePromo(const std::string& code) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("DisablePromo"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed, Modify("UPDATE promo_codes SET enabled = FALSE "
                                               "WHERE code = $1",
                                               PgParams().Text(code)));
  if (changed == 0) return NotFound("promo code '" + code + "' not found");
  return Status::Ok();
}

template <>
Status PgBilling::UsePromo(Id promo_id, Id user_id, Id order_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UsePromo"));
  // The use first (its unique indexes refuse a second use by one person or one order), then the
  // count, only while uses are left. The count's UPDATE locks the code's row: a concurrent use
  // waits for it and then sees the new count (READ COMMITTED re-checks the condition;
  // SERIALIZABLE loses a conflict and runs again), so max_uses is never exceeded.
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query("INSERT INTO promo_uses (promo_id, user_id, order_id, once_user_id, "
                  "created_at) SELECT id, $2, $3, CASE WHEN once_per_person THEN $2::bigint "
                  "END, $4 FROM promo_codes WHERE id = $1 "
                  "ON CONFLICT DO NOTHING RETURNING id",
                  PgParams().Int(promo_id).Int(user_id).Int(order_id).Int(ToUnixMs(now))));
  if (r.rows() == 0) {
    VPNHUB_ASSIGN_OR_RETURN(bool exists, Exists("promo_codes", promo_id));
    if (!exists) return NotFound("promo code " + std::to_string(promo_id));
    return AlreadyExists("promo code " + std::to_string(promo_id) +
                         " was used by this person or for this order already");
  }
  const Id use_id = r.Int64(0, 0);
  VPNHUB_ASSIGN_OR_RETURN(auto counted,
                          Modify("UPDATE promo_codes SET uses = uses + 1 WHERE id = $1 AND "
                                 "enabled AND (max_uses = 0 OR uses < max_uses)",
                                 PgParams().Int(promo_id)));
  if (counted > 0) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(
      Modify("DELETE FROM promo_uses WHERE id = $1", PgParams().Int(use_id)).status());
  return ResourceExhausted("promo code " + std::to_string(promo_id) + " is used up or disabled");
}

template <>
Result<bool> PgBilling::PromoUsedBy(Id promo_id, Id user_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query("SELECT 1 FROM promo_uses WHERE promo_id = $1 AND user_id = $2 LIMIT 1",
                          PgParams().Int(promo_id).Int(user_id)));
  return r.rows() > 0;
}

template <>
Result<Id> PgBilling::InsertReferralReward(const ReferralReward& rw) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertReferralReward"));
  return InsertReturningId(
      "INSERT INTO referral_rewards (referrer_id, invitee_id, order_id, days, key_id, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(rw.referrer_id)
          .Int(rw.invitee_id)
          .Int(rw.order_id)
          .Int(rw.days)
          .Int(rw.key_id)
          .Int(ToUnixMs(rw.created_at)),
      "referral reward of order " + std::to_string(rw.order_id));
}

template <>
Result<ReferralTotals> PgBilling::ReferralTotalsOf(Id referrer_id) {
  ReferralTotals t;
  VPNHUB_ASSIGN_OR_RETURN(t.invited,
                          QueryCount(conn_, "SELECT count(*) FROM users WHERE referrer_id = $1",
                                     PgParams().Int(referrer_id)));
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query("SELECT count(*), coalesce(sum(days), 0)::bigint, "
                          "coalesce(sum(CASE WHEN key_id = 0 THEN days ELSE 0 END), 0)::bigint "
                          "FROM referral_rewards WHERE referrer_id = $1",
                          PgParams().Int(referrer_id)));
  if (r.rows() > 0) {
    t.rewards = r.Int64(0, 0);
    t.days_earned = r.Int64(0, 1);
    t.days_pending = r.Int64(0, 2);
  }
  return t;
}

template <>
Result<int> PgBilling::TakeReferralCredit(Id referrer_id, Id key_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TakeReferralCredit"));
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query("UPDATE referral_rewards SET key_id = $2 "
                                      "WHERE referrer_id = $1 AND key_id = 0 RETURNING days",
                                      PgParams().Int(referrer_id).Int(key_id)));
  int days = 0;
  for (int i = 0; i < r.rows(); ++i) days += r.Int(i, 0);
  return days;
}

template <>
Status PgBilling::InsertKeySwitch(const KeySwitch& k) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertKeySwitch"));
  return InsertReturningId(
             "INSERT INTO key_switches (new_key_id, old_key_id, order_id, number, "
             "done, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
             "ON CONFLICT DO NOTHING RETURNING new_key_id",
             PgParams()
                 .Int(k.new_key_id)
                 .Int(k.old_key_id)
                 .Int(k.order_id)
                 .Int(k.number)
                 .Bool(k.done)
                 .Int(ToUnixMs(k.created_at)),
             "switch of key " + std::to_string(k.old_key_id))
      .status();
}

template <>
Result<std::optional<KeySwitch>> PgBilling::GetKeySwitch(Id new_key_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query("SELECT new_key_id, old_key_id, order_id, number, done, created_at "
                          "FROM key_switches WHERE new_key_id = $1",
                          PgParams().Int(new_key_id)));
  if (r.rows() == 0) return std::optional<KeySwitch>();
  KeySwitch k;
  k.new_key_id = r.Int64(0, 0);
  k.old_key_id = r.Int64(0, 1);
  k.order_id = r.Int64(0, 2);
  k.number = r.Int(0, 3);
  k.done = r.Bool(0, 4);
  k.created_at = FromUnixMs(r.Int64(0, 5));
  return std::optional<KeySwitch>(k);
}

template <>
Result<std::optional<Id>> PgBilling::FinishKeySwitch(Id new_key_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FinishKeySwitch"));
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query("UPDATE key_switches SET done = TRUE WHERE "
                                              "new_key_id = $1 AND NOT done RETURNING old_key_id",
                                              PgParams().Int(new_key_id)));
  if (r.rows() == 0) return std::optional<Id>();
  return std::optional<Id>(r.Int64(0, 0));
}

template <>
Result<BillingFigures> PgBilling::Figures(Time day_start, Time month_start) {
  BillingFigures f;
  VPNHUB_ASSIGN_OR_RETURN(f.today, Revenue(conn_, day_start));
  VPNHUB_ASSIGN_OR_RETURN(f.month, Revenue(conn_, month_start));
  VPNHUB_ASSIGN_OR_RETURN(
      f.paid_orders, QueryCount(conn_, "SELECT count(*) FROM orders WHERE state = 'fulfilled'"));
  VPNHUB_ASSIGN_OR_RETURN(f.trial_users,
                          QueryCount(conn_, "SELECT count(*) FROM users WHERE trial_used"));
  VPNHUB_ASSIGN_OR_RETURN(
      f.trial_then_paid,
      QueryCount(conn_,
                 "SELECT count(*) FROM users u WHERE u.trial_used AND EXISTS (SELECT 1 FROM "
                 "payments p WHERE p.user_id = u.id AND p.state = 'credited')"));
  return f;
}

#undef VPNHUB_ORDER_SELECT
#undef VPNHUB_PAYMENT_SELECT
#undef VPNHUB_PROMO_SELECT

template class SqlBilling<PgPort>;

}  // namespace vpnhub::storage
