#include "core/usecases/retention.hpp"

namespace vpnhub::usecases {

Result<PurgeResult> RetentionPurge::Step() {
  const Time cutoff = clock_.Now() - retention_;
  PurgeResult result;
  int tasks = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto n, tx.housekeeping().PurgeDoneTasks(cutoff, batch_size_));
    tasks = n;
    return Status::Ok();
  }));
  int messages = 0;
  VPNHUB_RETURN_IF_ERROR(store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto n, tx.housekeeping().PurgeSettledMessages(cutoff, batch_size_));
    messages = n;
    return Status::Ok();
  }));
  result.tasks = tasks;
  result.messages = messages;
  result.more = tasks >= batch_size_ || messages >= batch_size_;
  return result;
}

}  // namespace vpnhub::usecases
