// SqliteBilling: orders, payments, promo codes, referral rewards, key switches, figures (0008).
// One writer at a time makes each read-then-write atomic; unique constraints refuse replays.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteBilling = SqlBilling<SqlitePort>;

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

Result<Order> ReadOrder(const Statement& s) {
  Order o;
  o.id = s.ColumnInt64(0);
  o.user_id = s.ColumnInt64(1);
  const std::string kind = s.ColumnText(2);
  auto parsed_kind = ParseOrderKind(kind);
  if (!parsed_kind) return Internal("order " + std::to_string(o.id) + ": unknown kind " + kind);
  o.kind = *parsed_kind;
  o.location_id = s.ColumnInt64(3);
  o.key_id = s.ColumnInt64(4);
  o.months = s.ColumnInt(5);
  o.provider = s.ColumnText(6);
  o.amount = s.ColumnInt64(7);
  o.currency = s.ColumnText(8);
  o.promo_code = s.ColumnText(9);
  o.bonus_days = s.ColumnInt(10);
  const std::string state = s.ColumnText(11);
  auto parsed_state = ParseOrderState(state);
  if (!parsed_state) return Internal("order " + std::to_string(o.id) + ": unknown state " + state);
  o.state = *parsed_state;
  o.result_key_id = s.ColumnInt64(12);
  o.created_at = FromUnixMs(s.ColumnInt64(13));
  o.expires_at = FromUnixMs(s.ColumnInt64(14));
  o.updated_at = FromUnixMs(s.ColumnInt64(15));
  return o;
}

Result<Payment> ReadPayment(const Statement& s) {
  Payment p;
  p.id = s.ColumnInt64(0);
  p.provider = s.ColumnText(1);
  p.provider_payment_id = s.ColumnText(2);
  p.order_id = s.ColumnInt64(3);
  p.user_id = s.ColumnInt64(4);
  p.amount = s.ColumnInt64(5);
  p.currency = s.ColumnText(6);
  p.raw_reference = s.ColumnText(7);
  const std::string state = s.ColumnText(8);
  auto parsed = ParsePaymentState(state);
  if (!parsed) return Internal("payment " + std::to_string(p.id) + ": unknown state " + state);
  p.state = *parsed;
  p.created_at = FromUnixMs(s.ColumnInt64(9));
  p.updated_at = FromUnixMs(s.ColumnInt64(10));
  return p;
}

Result<PromoCode> ReadPromo(const Statement& s) {
  PromoCode p;
  p.id = s.ColumnInt64(0);
  p.code = s.ColumnText(1);
  p.percent = s.ColumnInt(2);
  p.bonus_days = s.ColumnInt(3);
  p.max_uses = s.ColumnInt(4);
  p.uses = s.ColumnInt(5);
  p.once_per_person = s.ColumnBool(6);
  if (!s.ColumnIsNull(7)) p.valid_until = FromUnixMs(s.ColumnInt64(7));
  p.enabled = s.ColumnBool(8);
  p.created_at = FromUnixMs(s.ColumnInt64(9));
  return p;
}

template <class T, class ReadFn>
Result<std::vector<T>> Collect(Statement& stmt, ReadFn read) {
  std::vector<T> out;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(stmt, [&](const Statement& s) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(T row, read(s));
    out.push_back(std::move(row));
    return Status::Ok();
  }));
  return out;
}

// The revenue lines of credited payments created at or after ?1.
Result<std::vector<RevenueLine>> Revenue(Connection& conn, Time since) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT provider, currency, count(*), sum(amount) FROM payments "
                              "WHERE created_at >= ?1 AND state = 'credited' "
                              "GROUP BY provider, currency ORDER BY provider, currency"));
  stmt->BindInt64(1, ToUnixMs(since));
  std::vector<RevenueLine> out;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) -> Status {
    out.push_back({s.ColumnText(0), s.ColumnText(1), s.ColumnInt64(2), s.ColumnInt64(3)});
    return Status::Ok();
  }));
  return out;
}

// The first column of the one row `sql` returns (a count), with ?1 bound to `arg` when given.
Result<std::int64_t> QueryCount(Connection& conn, const char* sql,
                                std::optional<std::int64_t> arg = std::nullopt) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  if (arg) stmt->BindInt64(1, *arg);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? stmt->ColumnInt64(0) : 0;
}

}  // namespace

template <>
Result<Id> SqliteBilling::InsertOrder(const Order& o) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertOrder"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO orders (user_id, kind, location_id, key_id, months, provider, "
                    "amount, currency, promo_code, bonus_days, state, result_key_id, created_at, "
                    "expires_at, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
  stmt->BindInt64(1, o.user_id)
      .BindText(2, OrderKindName(o.kind))
      .BindInt64(3, o.location_id)
      .BindInt64(4, o.key_id)
      .BindInt64(5, o.months)
      .BindText(6, o.provider)
      .BindInt64(7, o.amount)
      .BindText(8, o.currency)
      .BindText(9, o.promo_code)
      .BindInt64(10, o.bonus_days)
      .BindText(11, OrderStateName(o.state))
      .BindInt64(12, o.result_key_id)
      .BindInt64(13, ToUnixMs(o.created_at))
      .BindInt64(14, ToUnixMs(o.expires_at))
      .BindInt64(15, ToUnixMs(o.updated_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<Order> SqliteBilling::GetOrder(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(VPNHUB_ORDER_SELECT "WHERE id = ?1"));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("order " + std::to_string(id) + " not found");
  return ReadOrder(*stmt);
}

template <>
Result<std::optional<Order>> SqliteBilling::FindOpenOrder(const Order& like, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare(VPNHUB_ORDER_SELECT
                               "WHERE user_id = ?1 AND state = 'created' AND kind = ?2 AND "
                               "location_id = ?3 AND key_id = ?4 AND months = ?5 AND "
                               "provider = ?6 AND currency = ?7 AND promo_code = ?8 AND "
                               "expires_at > ?9 ORDER BY id DESC LIMIT 1"));
  stmt->BindInt64(1, like.user_id)
      .BindText(2, OrderKindName(like.kind))
      .BindInt64(3, like.location_id)
      .BindInt64(4, like.key_id)
      .BindInt64(5, like.months)
      .BindText(6, like.provider)
      .BindText(7, like.currency)
      .BindText(8, like.promo_code)
      .BindInt64(9, ToUnixMs(now));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Order>();
  VPNHUB_ASSIGN_OR_RETURN(Order o, ReadOrder(*stmt));
  return std::optional<Order>(std::move(o));
}

template <>
Status SqliteBilling::MoveOrder(Id id, OrderState from, OrderState to, Id result_key_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MoveOrder"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("UPDATE orders SET state = ?3, updated_at = ?4, result_key_id = CASE WHEN ?5 "
                    "<> 0 THEN ?5 ELSE result_key_id END WHERE id = ?1 AND state = ?2"));
  stmt->BindInt64(1, id)
      .BindText(2, OrderStateName(from))
      .BindText(3, OrderStateName(to))
      .BindInt64(4, ToUnixMs(now))
      .BindInt64(5, result_key_id);
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "orders", "order", id,
      Conflict("order " + std::to_string(id) + " is not " + OrderStateName(from)));
}

template <>
Result<std::vector<Order>> SqliteBilling::ListOrders(const ports::OrderFilter& f) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(VPNHUB_ORDER_SELECT "WHERE (?1 IS NULL OR user_id = ?1) AND "
                                        "(?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3"));
  if (f.user_id) stmt->BindInt64(1, *f.user_id);
  if (f.state) stmt->BindText(2, OrderStateName(*f.state));
  stmt->BindInt64(3, f.limit < 0 ? 0 : f.limit);
  return Collect<Order>(*stmt, ReadOrder);
}

template <>
Result<int> SqliteBilling::ExpireOrders(Time now, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ExpireOrders"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("UPDATE orders SET state = 'expired', updated_at = ?1 WHERE id IN "
                               "(SELECT id FROM orders WHERE state = 'created' AND "
                               "expires_at <= ?1 ORDER BY expires_at LIMIT ?2)"));
  stmt->BindInt64(1, ToUnixMs(now)).BindInt64(2, limit < 0 ? 0 : limit);
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return static_cast<int>(conn_.Changes());
}

template <>
Result<Id> SqliteBilling::InsertPayment(const Payment& p) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertPayment"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO payments (provider, provider_payment_id, order_id, user_id, "
                    "amount, currency, raw_reference, state, created_at, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  stmt->BindText(1, p.provider)
      .BindText(2, p.provider_payment_id)
      .BindInt64(3, p.order_id)
      .BindInt64(4, p.user_id)
      .BindInt64(5, p.amount)
      .BindText(6, p.currency)
      .BindText(7, p.raw_reference)
      .BindText(8, PaymentStateName(p.state))
      .BindInt64(9, ToUnixMs(p.created_at))
      .BindInt64(10, ToUnixMs(p.updated_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<std::optional<Payment>> SqliteBilling::FindPayment(const std::string& provider,
                                                          const std::string& provider_payment_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare(VPNHUB_PAYMENT_SELECT "WHERE provider = ?1 AND "
                                                              "provider_payment_id = ?2"));
  stmt->BindText(1, provider).BindText(2, provider_payment_id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Payment>();
  VPNHUB_ASSIGN_OR_RETURN(Payment p, ReadPayment(*stmt));
  return std::optional<Payment>(std::move(p));
}

template <>
Result<Payment> SqliteBilling::GetPayment(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(VPNHUB_PAYMENT_SELECT "WHERE id = ?1"));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("payment " + std::to_string(id) + " not found");
  return ReadPayment(*stmt);
}

template <>
Result<std::vector<Payment>> SqliteBilling::ListPayments(const ports::PaymentFilter& f) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(VPNHUB_PAYMENT_SELECT "WHERE (?1 IS NULL OR user_id = ?1) AND "
                                          "(?2 = '' OR provider = ?2) ORDER BY id DESC LIMIT ?3"));
  if (f.user_id) stmt->BindInt64(1, *f.user_id);
  stmt->BindText(2, f.provider).BindInt64(3, f.limit < 0 ? 0 : f.limit);
  return Collect<Payment>(*stmt, ReadPayment);
}

template <>
Status SqliteBilling::MovePayment(Id id, PaymentState from, PaymentState to, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MovePayment"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("UPDATE payments SET state = ?3, updated_at = ?4 "
                                        "WHERE id = ?1 AND state = ?2"));
  stmt->BindInt64(1, id)
      .BindText(2, PaymentStateName(from))
      .BindText(3, PaymentStateName(to))
      .BindInt64(4, ToUnixMs(now));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "payments", "payment", id,
      Conflict("payment " + std::to_string(id) + " is not " + PaymentStateName(from)));
}

template <>
Result<Id> SqliteBilling::InsertPromo(const PromoCode& p) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertPromo"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO promo_codes (code, percent, bonus_days, max_uses, uses, "
                    "once_per_person, valid_until, enabled, created_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  stmt->BindText(1, p.code)
      .BindInt64(2, p.percent)
      .BindInt64(3, p.bonus_days)
      .BindInt64(4, p.max_uses)
      .BindInt64(5, p.uses)
      .BindInt64(6, p.once_per_person);
  (void)(p.valid_until ? stmt->BindInt64(7, ToUnixMs(*p.valid_until)) : stmt->BindNull(7));
  stmt->BindInt64(8, p.enabled).BindInt64(9, ToUnixMs(p.created_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<std::optional<PromoCode>> SqliteBilling::FindPromo(const std::string& code) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(VPNHUB_PROMO_SELECT "WHERE code = ?1"));
  stmt->BindText(1, code);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<PromoCode>();
  VPNHUB_ASSIGN_OR_RETURN(PromoCode p, ReadPromo(*stmt));
  return std::optional<PromoCode>(std::move(p));
}

template <>
Result<std::vector<PromoCode>> SqliteBilling::ListPromos() {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(VPNHUB_PROMO_SELECT "ORDER BY code"));
  return Collect<PromoCode>(*stmt,
                            [](const Statement& s) -> Result<PromoCode> { return ReadPromo(s); });
}

template <>
Status SqliteBilling::DisablePromo(const std::string& code) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("DisablePromo"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("UPDATE promo_codes SET enabled = 0 WHERE code = ?1"));
  stmt->BindText(1, code);
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  if (conn_.Changes() == 0) return NotFound("promo code '" + code + "' not found");
  return Status::Ok();
}

template <>
Status SqliteBilling::UsePromo(Id promo_id, Id user_id, Id order_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UsePromo"));
  // The use first (its unique indexes refuse a second use by one person or one order), then the
  // count, only while uses are left; a count refused takes the use back.
  VPNHUB_ASSIGN_OR_RETURN(
      auto insert,
      conn_.Prepare("INSERT INTO promo_uses (promo_id, user_id, order_id, once_user_id, "
                    "created_at) SELECT id, ?2, ?3, CASE WHEN once_per_person THEN ?2 END, ?4 "
                    "FROM promo_codes WHERE id = ?1"));
  insert->BindInt64(1, promo_id)
      .BindInt64(2, user_id)
      .BindInt64(3, order_id)
      .BindInt64(4, ToUnixMs(now));
  VPNHUB_RETURN_IF_ERROR(insert->Run());
  if (conn_.Changes() == 0) return NotFound("promo code " + std::to_string(promo_id));
  const Id use_id = conn_.LastInsertRowid();
  VPNHUB_ASSIGN_OR_RETURN(auto count,
                          conn_.Prepare("UPDATE promo_codes SET uses = uses + 1 WHERE id = ?1 AND "
                                        "enabled = 1 AND (max_uses = 0 OR uses < max_uses)"));
  count->BindInt64(1, promo_id);
  VPNHUB_RETURN_IF_ERROR(count->Run());
  if (conn_.Changes() > 0) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto undo, conn_.Prepare("DELETE FROM promo_uses WHERE id = ?1"));
  undo->BindInt64(1, use_id);
  VPNHUB_RETURN_IF_ERROR(undo->Run());
  return ResourceExhausted("promo code " + std::to_string(promo_id) + " is used up or disabled");
}

template <>
Result<bool> SqliteBilling::PromoUsedBy(Id promo_id, Id user_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("SELECT 1 FROM promo_uses WHERE promo_id = ?1 AND user_id = ?2 LIMIT 1"));
  stmt->BindInt64(1, promo_id).BindInt64(2, user_id);
  return stmt->Step();
}

template <>
Result<Id> SqliteBilling::InsertReferralReward(const ReferralReward& r) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertReferralReward"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO referral_rewards (referrer_id, invitee_id, order_id, days, "
                    "key_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt->BindInt64(1, r.referrer_id)
      .BindInt64(2, r.invitee_id)
      .BindInt64(3, r.order_id)
      .BindInt64(4, r.days)
      .BindInt64(5, r.key_id)
      .BindInt64(6, ToUnixMs(r.created_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<ReferralTotals> SqliteBilling::ReferralTotalsOf(Id referrer_id) {
  ReferralTotals t;
  VPNHUB_ASSIGN_OR_RETURN(
      t.invited,
      QueryCount(conn_, "SELECT count(*) FROM users WHERE referrer_id = ?1", referrer_id));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("SELECT count(*), coalesce(sum(days), 0), "
                               "coalesce(sum(CASE WHEN key_id = 0 THEN days ELSE 0 END), 0) "
                               "FROM referral_rewards WHERE referrer_id = ?1"));
  stmt->BindInt64(1, referrer_id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return t;
  t.rewards = stmt->ColumnInt64(0);
  t.days_earned = stmt->ColumnInt64(1);
  t.days_pending = stmt->ColumnInt64(2);
  return t;
}

template <>
Result<int> SqliteBilling::TakeReferralCredit(Id referrer_id, Id key_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TakeReferralCredit"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("UPDATE referral_rewards SET key_id = ?2 "
                                        "WHERE referrer_id = ?1 AND key_id = 0 RETURNING days"));
  stmt->BindInt64(1, referrer_id).BindInt64(2, key_id);
  int days = 0;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) -> Status {
    days += s.ColumnInt(0);
    return Status::Ok();
  }));
  return days;
}

template <>
Status SqliteBilling::InsertKeySwitch(const KeySwitch& k) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertKeySwitch"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("INSERT INTO key_switches (new_key_id, old_key_id, order_id, number, done, "
                    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt->BindInt64(1, k.new_key_id)
      .BindInt64(2, k.old_key_id)
      .BindInt64(3, k.order_id)
      .BindInt64(4, k.number)
      .BindInt64(5, k.done)
      .BindInt64(6, ToUnixMs(k.created_at));
  return stmt->Run();
}

template <>
Result<std::optional<KeySwitch>> SqliteBilling::GetKeySwitch(Id new_key_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("SELECT new_key_id, old_key_id, order_id, number, done, created_at "
                               "FROM key_switches WHERE new_key_id = ?1"));
  stmt->BindInt64(1, new_key_id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<KeySwitch>();
  KeySwitch k;
  k.new_key_id = stmt->ColumnInt64(0);
  k.old_key_id = stmt->ColumnInt64(1);
  k.order_id = stmt->ColumnInt64(2);
  k.number = stmt->ColumnInt(3);
  k.done = stmt->ColumnBool(4);
  k.created_at = FromUnixMs(stmt->ColumnInt64(5));
  return std::optional<KeySwitch>(k);
}

template <>
Result<std::optional<Id>> SqliteBilling::FinishKeySwitch(Id new_key_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FinishKeySwitch"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("UPDATE key_switches SET done = 1 WHERE new_key_id = ?1 "
                                        "AND done = 0 RETURNING old_key_id"));
  stmt->BindInt64(1, new_key_id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Id>();
  const Id old_key = stmt->ColumnInt64(0);  // the statement runs to its end below
  VPNHUB_RETURN_IF_ERROR(stmt->Step().status());
  return std::optional<Id>(old_key);
}

template <>
Result<BillingFigures> SqliteBilling::Figures(Time day_start, Time month_start) {
  BillingFigures f;
  VPNHUB_ASSIGN_OR_RETURN(f.today, Revenue(conn_, day_start));
  VPNHUB_ASSIGN_OR_RETURN(f.month, Revenue(conn_, month_start));
  VPNHUB_ASSIGN_OR_RETURN(
      f.paid_orders, QueryCount(conn_, "SELECT count(*) FROM orders WHERE state = 'fulfilled'"));
  VPNHUB_ASSIGN_OR_RETURN(f.trial_users,
                          QueryCount(conn_, "SELECT count(*) FROM users WHERE trial_used = 1"));
  VPNHUB_ASSIGN_OR_RETURN(
      f.trial_then_paid,
      QueryCount(conn_,
                 "SELECT count(*) FROM users u WHERE u.trial_used = 1 AND EXISTS (SELECT 1 FROM "
                 "payments p WHERE p.user_id = u.id AND p.state = 'credited')"));
  return f;
}

template class SqlBilling<SqlitePort>;

}  // namespace vpnhub::storage
