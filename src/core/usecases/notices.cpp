#include "core/usecases/notices.hpp"

#include "core/rules.hpp"

namespace vpnhub::usecases {

Status SendDueNotice(ports::StoreTx& tx, const Key& key, Time now, bool notify) {
  int flag = NoticeDue(key.expires_at, key.notified_flags, now);
  int flags = key.notified_flags;
  if (flag != 0) {
    // Less urgent notices that never went out are superseded by this one.
    for (int f = kNotice3Days; f < flag; f <<= 1) flags |= f;
    flags |= flag;
    VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().GetUser(key.user_id));
    if (notify && !user.blocked_bot) {
      const auto kind =
          flag == kNoticeExpired ? MessageKind::kKeyExpired : MessageKind::kExpiryNotice;
      VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(
          KeyMessage(user.tg_id, kind, MessagePriority::kBulk, key.id, now)));
    }
  }
  NoticePlan plan = PlanNotices(key.expires_at, flags, now);
  if (plan.flags == key.notified_flags && plan.next_notice_at == key.next_notice_at) {
    return Status::Ok();
  }
  return tx.keys().SetKeyNotice(key.id, plan.flags, plan.next_notice_at);
}

Result<int> ExpiryNotices::Run() {
  const Time now = clock_.Now();
  int total = 0;
  for (;;) {
    int batch = 0;
    VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto due, tx.keys().ListKeysDueForNotice(now, batch_));
      for (const Key& key : due) VPNHUB_RETURN_IF_ERROR(SendDueNotice(tx, key, now, notify_));
      batch = static_cast<int>(due.size());
      return Status::Ok();
    }));
    total += batch;
    if (batch < batch_) break;
  }
  return total;
}

Result<bool> RaiseAlert(ports::StoreTx& tx, const AlertPolicy& policy, const std::string& subject,
                        const std::string& text, Time now) {
  VPNHUB_ASSIGN_OR_RETURN(auto throttle, tx.coordination().GetAlertThrottle(subject));
  ports::AlertThrottle t = throttle;
  if (t.last_sent_at && now < *t.last_sent_at + policy.cooldown) {
    ++t.suppressed;
    VPNHUB_RETURN_IF_ERROR(tx.coordination().PutAlertThrottle(subject, t));
    return false;
  }
  for (TgId admin : policy.admins) {
    OutgoingMessage m;
    m.chat_id = admin;
    m.kind = MessageKind::kAdminAlert;
    m.priority = MessagePriority::kAlert;
    m.subject_id = t.suppressed;
    m.text = text;
    m.next_attempt_at = now;
    m.created_at = now;
    VPNHUB_RETURN_IF_ERROR(tx.messages().EnqueueMessage(m));
  }
  VPNHUB_RETURN_IF_ERROR(tx.coordination().PutAlertThrottle(subject, {now, 0}));
  return true;
}

Result<bool> AdminAlerts::Raise(const std::string& subject, const std::string& text) {
  bool sent = false;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, RaiseAlert(tx, policy_, subject, text, clock_.Now()));
    sent = r;
    return Status::Ok();
  }));
  return sent;
}

}  // namespace vpnhub::usecases
