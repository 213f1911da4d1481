// TaskExecutor::Restore, the restore_key task of the reconciliation (core/usecases/reconcile.hpp),
// apart from the executor's other steps.
#include "core/usecases/reconcile.hpp"
#include "core/usecases/task_executor.hpp"
#include "core/usecases/task_executor_work.hpp"

namespace vpnhub::usecases {

// restore_key: CreateKey; when the key's place holds another credential (kAlreadyExists), that
// credential is removed first, unless the operator marked the place foreign. The key's place is
// its own: the key is active on its slot. Then FetchRemoteData, stored when it changed.
Status TaskExecutor::Restore(Work& w) {
  Status st = w.backend->CreateKey(w.server, w.key);
  if (st.code() == StatusCode::kAlreadyExists) {
    const auto rid = w.backend->RemoteIdOf(w.server, w.key);
    if (!rid) return st;
    if (ForeignRemoteIds(w.server).count(*rid) > 0) {
      return FailedPrecondition("remote key " + *rid + " of key " + std::to_string(w.key.id) +
                                " is marked foreign on server " + w.server.name +
                                "; it is left alone");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto listed, w.backend->ListKeys(w.server));
    for (const ports::RemoteKey& r : listed) {
      if (r.remote_id != *rid || w.backend->SameCredential(w.key, r)) continue;
      VPNHUB_RETURN_IF_ERROR(w.backend->DeleteRemoteKey(w.server, r));
    }
    st = w.backend->CreateKey(w.server, w.key);
  }
  VPNHUB_RETURN_IF_ERROR(st);
  VPNHUB_ASSIGN_OR_RETURN(auto data, w.backend->FetchRemoteData(w.server, w.key));
  w.effect = Work::Effect::kRestored;
  w.store_remote_data = data != w.key.remote_data;
  if (w.store_remote_data) w.key.remote_data = std::move(data);
  return Status::Ok();
}

}  // namespace vpnhub::usecases
