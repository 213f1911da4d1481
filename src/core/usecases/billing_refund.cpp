// BillingService::RecordRefund: the bookkeeping of a refund, in one transaction.
#include "core/rules.hpp"
#include "core/usecases/billing_internal.hpp"
#include "core/usecases/billing_service.hpp"

namespace vpnhub::usecases {

using billing_internal::KeyRuns;

Result<RefundResult> BillingService::RecordRefund(Id payment_id) {
  const Time now = clock_.Now();
  RefundResult out;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    out = RefundResult{};
    VPNHUB_ASSIGN_OR_RETURN(out.payment, tx.billing().GetPayment(payment_id));
    Status moved =
        tx.billing().MovePayment(payment_id, PaymentState::kCredited, PaymentState::kRefunded, now);
    if (moved.code() == StatusCode::kConflict) {
      return FailedPrecondition("payment " + std::to_string(payment_id) + " is " +
                                PaymentStateName(out.payment.state) + ", not credited");
    }
    VPNHUB_RETURN_IF_ERROR(moved);
    out.payment.state = PaymentState::kRefunded;
    VPNHUB_ASSIGN_OR_RETURN(out.order, tx.billing().GetOrder(out.payment.order_id));
    VPNHUB_RETURN_IF_ERROR(
        tx.billing().MoveOrder(out.order.id, out.order.state, OrderState::kRefunded, 0, now));
    const OrderState was = out.order.state;
    out.order.state = OrderState::kRefunded;
    // Take back the time bought (a switch bought a move, not time: nothing to take back).
    if (was == OrderState::kFulfilled && out.order.kind != OrderKind::kSwitch &&
        out.order.result_key_id != 0) {
      VPNHUB_ASSIGN_OR_RETURN(Key key, tx.keys().GetKey(out.order.result_key_id));
      if (KeyRuns(key)) {
        const Time expires = key.expires_at - BoughtTime(out.order.months, out.order.bonus_days);
        if (expires <= now) {
          VPNHUB_RETURN_IF_ERROR(
              tx.keys().UpdateKeyState(key.id, key.state, KeyState::kRevoking, now, "refunded"));
          VPNHUB_ASSIGN_OR_RETURN(out.revoke_task_id,
                                  tx.tasks().EnqueueTask(TaskKind::kRevokeKey, key.id, now));
          out.key_revoked = true;
        } else {
          NoticePlan plan = PlanNotices(expires, 0, now);
          VPNHUB_RETURN_IF_ERROR(tx.keys().SetKeyExpiry(key.id, key.state, expires, plan.flags,
                                                        plan.next_notice_at, now));
          VPNHUB_RETURN_IF_ERROR(tx.tasks().EnqueueTask(TaskKind::kSyncKey, key.id, now).status());
        }
      }
    }
    VPNHUB_ASSIGN_OR_RETURN(User user, tx.users().GetUser(out.order.user_id));
    return Tell(tx, user, billing_texts::Refunded(user.lang, out.payment, out.key_revoked), now);
  }));
  return out;
}

}  // namespace vpnhub::usecases
