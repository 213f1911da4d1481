// BillingService::ConfirmPayment: crediting a confirmed payment exactly once, in one transaction.
#include <algorithm>

#include "core/rules.hpp"
#include "core/usecases/billing_internal.hpp"
#include "core/usecases/billing_service.hpp"

namespace vpnhub::usecases {

using billing_internal::KeyRuns;
using billing_internal::LocationNameOf;

struct BillingService::Credit {
  ports::PaymentConfirmation conf;
  Time now{};
  ConfirmResult result;
  std::optional<Order> order;
  std::optional<User> user;  // the order's owner, else the payer when known
  std::string location;      // for the receipt
  Time expires{};            // the key's end, for the receipt
  Status effect_error;       // the order could not be carried out (the transaction rolled back)
};

namespace {

// The domain errors of an order's effect that no retry can mend: the payment is kept and the
// admins settle it (RecordNotFulfilled).
bool CannotFulfil(const Status& st) {
  switch (st.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kResourceExhausted:
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
      return true;
    default:
      return false;
  }
}

Payment PaymentOf(const ports::PaymentConfirmation& conf, Id user_id, PaymentState state,
                  Time now) {
  Payment p;
  p.provider = conf.provider;
  p.provider_payment_id = conf.provider_payment_id;
  p.order_id = conf.order_id;
  p.user_id = user_id;
  p.amount = conf.amount;
  p.currency = conf.currency;
  p.raw_reference = conf.raw_reference;
  p.state = state;
  p.created_at = p.updated_at = now;
  return p;
}

}  // namespace

Result<std::string> ReceiptOfKey(ports::StoreTx& tx, const Key& key, const std::string& lang) {
  VPNHUB_ASSIGN_OR_RETURN(auto order, tx.billing().FindOrderThatMadeKey(key.id));
  if (!order) return std::string();
  VPNHUB_ASSIGN_OR_RETURN(std::string location, LocationNameOf(tx, key));
  return billing_texts::Receipt(lang, *order, location, key.expires_at);
}

Result<ConfirmResult> BillingService::ConfirmPayment(const ports::PaymentConfirmation& conf) {
  if (conf.provider.empty() || conf.provider_payment_id.empty()) {
    return InvalidArgument("a payment confirmation needs its provider and payment id");
  }
  Credit c;
  c.conf = conf;
  c.now = clock_.Now();
  Status st = store_.Write([&](ports::StoreTx& tx) { return CreditIn(tx, c); });
  if (st.ok()) return c.result;
  if (!CannotFulfil(c.effect_error)) return st;
  // The effect was rolled back with everything else; the money still came: record it as paid.
  c.result.reason = c.effect_error.message();
  VPNHUB_RETURN_IF_ERROR(
      store_.Write([&](ports::StoreTx& tx) { return RecordNotFulfilled(tx, c); }));
  return c.result;
}

Status BillingService::CreditIn(ports::StoreTx& tx, Credit& c) {
  // A transaction may run more than once: start from nothing each time.
  c.result = ConfirmResult{};
  c.result.order_id = c.conf.order_id;
  c.order.reset();
  c.user.reset();
  c.effect_error = Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto seen,
                          tx.billing().FindPayment(c.conf.provider, c.conf.provider_payment_id));
  if (seen) {
    c.result.outcome = ConfirmResult::Outcome::kAlreadyCredited;
    c.result.payment_id = seen->id;
    return Status::Ok();
  }
  const std::string reason = MismatchReason(tx, c);
  const PaymentState state = reason.empty() ? PaymentState::kCredited : PaymentState::kMismatch;
  auto id = tx.billing().InsertPayment(PaymentOf(c.conf, c.user ? c.user->id : 0, state, c.now));
  if (id.status().code() == StatusCode::kAlreadyExists) {  // a concurrent replay won
    c.result.outcome = ConfirmResult::Outcome::kAlreadyCredited;
    return Status::Ok();
  }
  VPNHUB_RETURN_IF_ERROR(id.status());
  c.result.payment_id = *id;
  if (!reason.empty()) {
    c.result.reason = reason;
    return RecordMismatch(tx, c);
  }
  const Order& order = *c.order;
  if (!order.promo_code.empty()) {
    VPNHUB_ASSIGN_OR_RETURN(auto promo, tx.billing().FindPromo(order.promo_code));
    Status used = promo ? tx.billing().UsePromo(promo->id, c.user->id, order.id, c.now)
                        : NotFound("promo code gone");
    if (!used.ok() && !CannotFulfil(used)) return used;
    if (!used.ok()) {
      c.result.reason = "promo code " + order.promo_code + ": " + used.message();
      VPNHUB_RETURN_IF_ERROR(
          tx.billing().MovePayment(*id, PaymentState::kCredited, PaymentState::kMismatch, c.now));
      return RecordMismatch(tx, c);
    }
  }
  VPNHUB_RETURN_IF_ERROR(
      tx.billing().MoveOrder(order.id, order.state, OrderState::kPaid, 0, c.now));
  if (Status effect = ApplyEffect(tx, c); !effect.ok()) {
    c.effect_error = effect;
    return effect;
  }
  VPNHUB_RETURN_IF_ERROR(tx.billing().MoveOrder(order.id, OrderState::kPaid, OrderState::kFulfilled,
                                                c.result.key_id, c.now));
  VPNHUB_RETURN_IF_ERROR(RewardReferrer(tx, c));
  // A new key's receipt opens the key's message (ReceiptOfKey), one message instead of two.
  if (order.kind == OrderKind::kExtend) {
    VPNHUB_RETURN_IF_ERROR(Tell(
        tx, *c.user, billing_texts::Receipt(c.user->lang, order, c.location, c.expires), c.now));
  }
  VPNHUB_RETURN_IF_ERROR(TellAdmins(
      tx,
      "💰 Payment " + billing_texts::Amount(order.amount, order.currency) + " via " +
          order.provider + ": order " + std::to_string(order.id) + " (" +
          OrderKindName(order.kind) + ") of Telegram user " + std::to_string(c.user->tg_id) +
          ", key " + std::to_string(c.result.key_id) + ".",
      c.now));
  c.result.outcome = ConfirmResult::Outcome::kCredited;
  return Status::Ok();
}

std::string BillingService::MismatchReason(ports::StoreTx& tx, Credit& c) {
  if (c.conf.payer_tg_id != 0) {
    auto payer = tx.users().FindUserByTgId(c.conf.payer_tg_id);
    if (payer.ok() && payer->has_value()) c.user = **payer;
  }
  auto order = tx.billing().GetOrder(c.conf.order_id);
  if (!order.ok()) return "order " + std::to_string(c.conf.order_id) + " not found";
  c.order = *order;
  if (c.conf.payer_tg_id != 0 && (!c.user || c.user->id != order->user_id)) {
    return "paid by Telegram user " + std::to_string(c.conf.payer_tg_id) +
           ", who does not own order " + std::to_string(order->id);
  }
  auto owner = tx.users().GetUser(order->user_id);
  if (!owner.ok()) return "the owner of order " + std::to_string(order->id) + " is gone";
  c.user = *owner;
  if (c.conf.provider != order->provider) {
    return "paid through " + c.conf.provider + ", ordered through " + order->provider;
  }
  if (c.conf.currency != order->currency || c.conf.amount != order->amount) {
    return "paid " + billing_texts::Amount(c.conf.amount, c.conf.currency) + ", order " +
           std::to_string(order->id) + " costs " +
           billing_texts::Amount(order->amount, order->currency);
  }
  // An order that expired while its payment was under way is still honoured; one paid already
  // (a second payment) or cancelled or refunded is not.
  if (order->state != OrderState::kCreated && order->state != OrderState::kExpired) {
    return "order " + std::to_string(order->id) + " is " + OrderStateName(order->state);
  }
  return "";
}

Status BillingService::ApplyEffect(ports::StoreTx& tx, Credit& c) {
  const Order& order = *c.order;
  const Duration bought = BoughtTime(order.months, order.bonus_days);
  if (order.kind == OrderKind::kNewKey) {
    VPNHUB_RETURN_IF_ERROR(IssueBoughtKey(tx, c, order.location_id, bought, nullptr));
    // Days the person earned by inviting others, kept until their next key: this one.
    VPNHUB_ASSIGN_OR_RETURN(int credit,
                            tx.billing().TakeReferralCredit(c.user->id, c.result.key_id));
    if (credit <= 0) return Status::Ok();
    c.expires += std::chrono::hours(24) * credit;
    NoticePlan plan = PlanNotices(c.expires, 0, c.now);
    return tx.keys().SetKeyExpiry(c.result.key_id, KeyState::kPending, c.expires, plan.flags,
                                  plan.next_notice_at, c.now);
  }
  VPNHUB_ASSIGN_OR_RETURN(Key key, tx.keys().GetKey(order.key_id));
  if (key.user_id != c.user->id) return NotFound("key " + std::to_string(key.id) + " not theirs");
  VPNHUB_ASSIGN_OR_RETURN(Server server, tx.catalog().GetServer(key.server_id));
  if (order.kind == OrderKind::kExtend) {
    // A key moved off a drained server (`vpnhub server drain`) lives on as the key that
    // replaced it: that one gets the time.
    for (int hops = 0; hops < 16 && !KeyRuns(key); ++hops) {
      VPNHUB_ASSIGN_OR_RETURN(auto moved_to, tx.keys().KeyMovedTo(key.id));
      if (!moved_to) break;
      VPNHUB_ASSIGN_OR_RETURN(key, tx.keys().GetKey(*moved_to));
    }
    if (KeyRuns(key)) return ExtendKey(tx, c, key);
    // The key no longer runs (its slot may be someone else's now): the time bought goes on a
    // new key in its location.
    return IssueBoughtKey(tx, c, server.location_id, bought, nullptr);
  }
  if (!KeyRuns(key) || key.expires_at <= c.now) {
    return FailedPrecondition("key " + std::to_string(key.id) + " ended before the switch");
  }
  const Duration left = key.expires_at - c.now + std::chrono::hours(24) * order.bonus_days;
  return IssueBoughtKey(tx, c, order.location_id, left, &key);
}

Status BillingService::ExtendKey(ports::StoreTx& tx, Credit& c, const Key& key) {
  const Order& order = *c.order;
  c.expires = std::max(c.now, key.expires_at) + BoughtTime(order.months, order.bonus_days);
  // The notices sent for the old date do not count for the new one.
  NoticePlan plan = PlanNotices(c.expires, 0, c.now);
  VPNHUB_RETURN_IF_ERROR(
      tx.keys().SetKeyExpiry(key.id, key.state, c.expires, plan.flags, plan.next_notice_at, c.now));
  // The server's copy of the expiry (a panel's) follows, through the outbox.
  VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kSyncKey, key.id, c.now).status());
  c.result.key_id = key.id;
  VPNHUB_ASSIGN_OR_RETURN(c.location, LocationNameOf(tx, key));
  return Status::Ok();
}

Status BillingService::IssueBoughtKey(ports::StoreTx& tx, Credit& c, Id location_id,
                                      Duration duration, const Key* replaces) {
  IssueKeyRequest req;
  req.tg_id = c.user->tg_id;
  req.location_id = location_id;
  req.duration = duration;
  req.traffic_limit_bytes = config_.traffic_limit_bytes;
  req.announce_when_ready = true;
  VPNHUB_ASSIGN_OR_RETURN(IssuedKey issued, keys_.IssueIn(tx, req, c.now));
  c.result.key_id = issued.key.id;
  c.expires = issued.key.expires_at;
  c.location = issued.location.name;
  if (replaces == nullptr) return Status::Ok();
  VPNHUB_ASSIGN_OR_RETURN(auto made_by, tx.billing().GetKeySwitch(replaces->id));
  const int number = (made_by ? made_by->number : 0) + 1;
  return tx.billing().InsertKeySwitch(
      {issued.key.id, replaces->id, c.order->id, number, false, c.now});
}

Status BillingService::RewardReferrer(ports::StoreTx& tx, Credit& c) {
  const User& invitee = *c.user;
  if (config_.referral_bonus_days <= 0 || !invitee.referrer_id ||
      *invitee.referrer_id == invitee.id) {
    return Status::Ok();  // nobody to reward, or themselves
  }
  auto referrer = tx.users().GetUser(*invitee.referrer_id);
  if (referrer.status().code() == StatusCode::kNotFound) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(referrer.status());
  ports::KeyFilter filter;
  filter.user_id = referrer->id;
  VPNHUB_ASSIGN_OR_RETURN(auto keys, tx.keys().ListKeys(filter));
  const Key* longest = nullptr;
  for (const Key& k : keys) {
    if (KeyRuns(k) && (longest == nullptr || k.expires_at > longest->expires_at)) longest = &k;
  }
  const int days = config_.referral_bonus_days;
  ReferralReward reward{
      0, referrer->id, invitee.id, c.order->id, days, longest ? longest->id : 0, c.now};
  auto inserted = tx.billing().InsertReferralReward(reward);
  if (inserted.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
  VPNHUB_RETURN_IF_ERROR(inserted.status());
  Time expires{};
  if (longest != nullptr) {
    expires = std::max(c.now, longest->expires_at) + std::chrono::hours(24) * days;
    NoticePlan plan = PlanNotices(expires, 0, c.now);
    VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyExpiry(longest->id, longest->state, expires, plan.flags,
                                                  plan.next_notice_at, c.now));
    VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kSyncKey, longest->id, c.now).status());
  }
  return Tell(tx, *referrer,
              billing_texts::ReferralReward(referrer->lang, days, longest == nullptr, expires),
              c.now);
}

Status BillingService::RecordMismatch(ports::StoreTx& tx, Credit& c) {
  c.result.outcome = ConfirmResult::Outcome::kMismatch;
  if (c.user) {
    VPNHUB_RETURN_IF_ERROR(Tell(
        tx, *c.user, billing_texts::Mismatch(c.user->lang, c.conf.provider_payment_id), c.now));
  }
  return TellAdmins(tx,
                    "⚠️ Payment NOT credited (" + c.result.reason +
                        "): " + billing_texts::Amount(c.conf.amount, c.conf.currency) + " via " +
                        c.conf.provider + ", payment " + std::to_string(c.result.payment_id) +
                        " (" + c.conf.provider_payment_id + "), payer " +
                        std::to_string(c.conf.payer_tg_id) +
                        ". Settle it with the person or refund it (vpnhub payment refund).",
                    c.now);
}

Status BillingService::RecordNotFulfilled(ports::StoreTx& tx, Credit& c) {
  c.result.outcome = ConfirmResult::Outcome::kNotFulfilled;
  c.result.key_id = 0;
  auto id = tx.billing().InsertPayment(
      PaymentOf(c.conf, c.user ? c.user->id : 0, PaymentState::kCredited, c.now));
  if (id.status().code() == StatusCode::kAlreadyExists) {
    c.result.outcome = ConfirmResult::Outcome::kAlreadyCredited;
    return Status::Ok();
  }
  VPNHUB_RETURN_IF_ERROR(id.status());
  c.result.payment_id = *id;
  VPNHUB_RETURN_IF_ERROR(
      tx.billing().MoveOrder(c.order->id, c.order->state, OrderState::kPaid, 0, c.now));
  VPNHUB_RETURN_IF_ERROR(
      Tell(tx, *c.user, billing_texts::NotFulfilled(c.user->lang, c.order->id), c.now));
  return TellAdmins(tx,
                    "⚠️ Order " + std::to_string(c.order->id) + " of Telegram user " +
                        std::to_string(c.user->tg_id) + " is PAID (payment " + std::to_string(*id) +
                        ") but could not be carried out: " + c.result.reason +
                        ". Give the person their key by hand or refund (vpnhub payment refund).",
                    c.now);
}

}  // namespace vpnhub::usecases
