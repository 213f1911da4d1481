// BillingService::ReceiveNotice and ReconcileDue: the confirmations of the providers over HTTP,
// by webhook and by asking the provider's API about an invoice whose webhook never came.
#include <algorithm>

#include "core/usecases/billing_service.hpp"

namespace vpnhub::usecases {
namespace {

using Kind = NoticeOutcome::Kind;

Kind KindOf(ConfirmResult::Outcome outcome) {
  switch (outcome) {
    case ConfirmResult::Outcome::kCredited:
      return Kind::kCredited;
    case ConfirmResult::Outcome::kAlreadyCredited:
      return Kind::kAlreadyCredited;
    case ConfirmResult::Outcome::kMismatch:
      return Kind::kMismatch;
    case ConfirmResult::Outcome::kNotFulfilled:
      return Kind::kNotFulfilled;
  }
  return Kind::kMismatch;
}

}  // namespace

const char* NoticeOutcomeName(NoticeOutcome::Kind kind) {
  switch (kind) {
    case Kind::kCredited:
      return "credited";
    case Kind::kAlreadyCredited:
      return "replay";
    case Kind::kMismatch:
      return "mismatch";
    case Kind::kNotFulfilled:
      return "not_fulfilled";
    case Kind::kIgnored:
      return "ignored";
    case Kind::kUnknownOrder:
      return "unknown_order";
    case Kind::kBadSignature:
      return "bad_signature";
    case Kind::kMalformed:
      return "malformed";
  }
  return "ignored";
}

Result<NoticeOutcome> BillingService::ReceiveNotice(const std::string& provider_name,
                                                    const ports::PaymentNotice& notice) {
  const auto found = providers_.find(provider_name);
  if (found == providers_.end() || found->second == nullptr) {
    return NotFound("payment provider '" + provider_name + "' is not offered");
  }
  VPNHUB_ASSIGN_OR_RETURN(ports::NoticeVerdict verdict, found->second->ReadNotice(notice));
  NoticeOutcome out;
  out.detail = verdict.detail;
  switch (verdict.kind) {
    case ports::NoticeVerdict::Kind::kIgnored:
      out.kind = Kind::kIgnored;
      return out;
    case ports::NoticeVerdict::Kind::kBadSignature:
      out.kind = Kind::kBadSignature;
      return out;
    case ports::NoticeVerdict::Kind::kMalformed:
      out.kind = Kind::kMalformed;
      return out;
    case ports::NoticeVerdict::Kind::kPaid:
      break;
  }
  ports::PaymentConfirmation conf = verdict.confirmation;
  conf.provider = provider_name;  // whatever the provider wrote: the route it came through
  out.order_id = conf.order_id;
  // A paid notice for an order this provider never had (another shop on the same account, a
  // test notice, an id we never issued) records nothing: it is not a payment of ours.
  bool ours = false;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    if (conf.order_id <= 0) return Status::Ok();
    auto order = tx.billing().GetOrder(conf.order_id);
    if (!order.ok() && order.status().code() != StatusCode::kNotFound) return order.status();
    ours = order.ok() && order->provider == provider_name;
    return Status::Ok();
  }));
  if (!ours) {
    out.kind = Kind::kUnknownOrder;
    out.detail = "no order " + std::to_string(conf.order_id) + " of " + provider_name;
    return out;
  }
  VPNHUB_ASSIGN_OR_RETURN(ConfirmResult confirmed, ConfirmPayment(conf));
  out.kind = KindOf(confirmed.outcome);
  out.payment_id = confirmed.payment_id;
  if (!confirmed.reason.empty()) out.detail = confirmed.reason;
  return out;
}

std::optional<Time> BillingService::NextCheck(const Order& order, int checks, Time now) const {
  Duration wait = config_.payment_check_first;
  for (int i = 1; i < checks && wait < config_.payment_check_max; ++i) wait *= 2;
  wait = std::min(wait, config_.payment_check_max);
  const Time next = now + wait;
  if (next > order.expires_at + config_.payment_check_grace) return std::nullopt;
  return next;
}

ReconcileResult::Asked BillingService::ReconcileOne(const Order& order, Time now) {
  ReconcileResult::Asked asked;
  asked.order_id = order.id;
  asked.provider = order.provider;
  const int checks = order.checks + 1;
  std::optional<Time> next = NextCheck(order, checks, now);
  const auto found = providers_.find(order.provider);
  if (found == providers_.end() || found->second == nullptr) {
    // Not offered by this configuration (any more): another instance may be; ask later.
    asked.outcome = "error";
    asked.detail = "provider not offered here";
  } else {
    auto check = found->second->CheckOrder(order);
    if (!check.ok()) {
      const bool unsupported = check.status().code() == StatusCode::kFailedPrecondition;
      asked.outcome = unsupported ? "not_supported" : "error";
      asked.detail = check.status().ToString();
      if (unsupported) next.reset();
    } else if (check->kind == ports::PaymentCheck::Kind::kPending) {
      asked.outcome = "pending";
    } else if (check->kind == ports::PaymentCheck::Kind::kClosed) {
      asked.outcome = "closed";
      asked.detail = check->detail;
      next.reset();
    } else if (check->confirmation.order_id != order.id) {
      // The provider was asked about this order and answered with a payment of another: credit
      // neither (that order's own webhook or check credits it). Asked again later.
      asked.outcome = "mismatch";
      asked.detail = "asked about order " + std::to_string(order.id) +
                     ", the provider's confirmation names order " +
                     std::to_string(check->confirmation.order_id);
    } else {
      ports::PaymentConfirmation conf = check->confirmation;
      conf.provider = order.provider;
      auto confirmed = ConfirmPayment(conf);
      if (!confirmed.ok()) {
        asked.outcome = "error";
        asked.detail = confirmed.status().ToString();
      } else {
        asked.outcome = NoticeOutcomeName(KindOf(confirmed->outcome));
        asked.detail = confirmed->reason;
        next.reset();  // whatever crediting made of it, asking again tells nothing new
      }
    }
  }
  Status st = store_.Write(
      [&](ports::StoreTx& tx) { return tx.invoices().SetOrderCheck(order.id, checks, next, now); });
  if (!st.ok() && asked.outcome != "error") {
    asked.detail += (asked.detail.empty() ? "" : "; ") + ("schedule not saved: " + st.ToString());
  }
  return asked;
}

Result<ReconcileResult> BillingService::ReconcileDue(int limit) {
  const Time now = clock_.Now();
  std::vector<Order> due;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(due, tx.invoices().DueOrderChecks(now, limit));
    return Status::Ok();
  }));
  ReconcileResult result;
  for (const Order& order : due) result.asked.push_back(ReconcileOne(order, clock_.Now()));
  return result;
}

}  // namespace vpnhub::usecases
