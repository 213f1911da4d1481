// SqliteTx: job leases (one instance at a time runs each scheduled job).
#include "storage/sqlite/sqlite_tx.hpp"

namespace vpnhub::storage {

Result<bool> SqliteTx::AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                                       Duration ttl) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("AcquireJobLease"));
  if (job.empty() || holder.empty()) return InvalidArgument("job lease: empty job or holder");
  if (ttl <= Duration::zero()) return InvalidArgument("job lease: ttl must be positive");
  // Taken when free, expired or already ours; otherwise the row stays as it is.
  auto stmt = conn_.Prepare(
      "INSERT INTO job_leases (job, holder, until) VALUES (?1, ?2, ?4) "
      "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until "
      "WHERE job_leases.holder = excluded.holder OR job_leases.until <= ?3");
  if (!stmt.ok()) return stmt.status();
  (*stmt)
      ->BindText(1, job)
      .BindText(2, holder)
      .BindInt64(3, ToUnixMs(now))
      .BindInt64(4, ToUnixMs(now + ttl));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.Changes() > 0;
}

Status SqliteTx::ReleaseJobLease(const std::string& job, const std::string& holder) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseJobLease"));
  auto stmt = conn_.Prepare("DELETE FROM job_leases WHERE job = ?1 AND holder = ?2");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(1, job).BindText(2, holder);
  return (*stmt)->Run();
}

Result<std::optional<ports::JobLease>> SqliteTx::GetJobLease(const std::string& job) {
  auto stmt = conn_.Prepare("SELECT holder, until FROM job_leases WHERE job = ?1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(1, job);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ports::JobLease>{};
  ports::JobLease lease;
  lease.job = job;
  lease.holder = (*stmt)->ColumnText(0);
  lease.until = FromUnixMs((*stmt)->ColumnInt64(1));
  return std::optional<ports::JobLease>(std::move(lease));
}

}  // namespace vpnhub::storage
