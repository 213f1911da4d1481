#include "core/usecases/expiry_sweep.hpp"

#include "core/usecases/notices.hpp"

namespace vpnhub::usecases {

Result<SweepResult> ExpirySweep::Run() {
  const Time now = clock_.Now();
  SweepResult result;
  for (;;) {
    int batch = 0;
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      auto due = tx.ListKeysDueForExpiry(now, batch_size_);
      if (!due.ok()) return due.status();
      for (const Key& key : *due) {
        Status cas =
            tx.UpdateKeyState(key.id, KeyState::kActive, KeyState::kRevoking, now, "expired");
        if (cas.code() == StatusCode::kConflict) continue;  // changed under us: not ours now
        VPNHUB_RETURN_IF_ERROR(cas);
        auto task = tx.EnqueueTask(TaskKind::kRevokeKey, key.id, now);
        if (!task.ok()) return task.status();
        VPNHUB_RETURN_IF_ERROR(SendDueNotice(tx, key, now, notify_));
      }
      batch = static_cast<int>(due->size());
      return Status::Ok();
    });
    if (!st.ok()) return st;
    result.keys_expired += batch;
    if (batch < batch_size_) break;
  }
  return result;
}

}  // namespace vpnhub::usecases
