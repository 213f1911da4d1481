// PgTx: job leases (one instance at a time runs each scheduled job).
#include "storage/postgres/pg_tx.hpp"

namespace vpnhub::storage {

Result<bool> PgTx::AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                                   Duration ttl) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("AcquireJobLease"));
  if (job.empty() || holder.empty()) return InvalidArgument("job lease: empty job or holder");
  if (ttl <= Duration::zero()) return InvalidArgument("job lease: ttl must be positive");
  // Taken when free, expired or already ours; otherwise the row stays as it is and the
  // conditional DO UPDATE touches nothing. Two instances racing for a free lease: the second
  // waits on the first's row, then loses a serialization conflict and its Write runs again.
  auto r = conn_.Query(
      "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $4) "
      "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until "
      "WHERE job_leases.holder = excluded.holder OR job_leases.until <= $3",
      PgParams().Text(job).Text(holder).Int(ToUnixMs(now)).Int(ToUnixMs(now + ttl)));
  if (!r.ok()) return r.status();
  return r->affected() > 0;
}

Status PgTx::ReleaseJobLease(const std::string& job, const std::string& holder) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseJobLease"));
  return conn_
      .Query("DELETE FROM job_leases WHERE job = $1 AND holder = $2",
             PgParams().Text(job).Text(holder))
      .status();
}

Result<std::optional<ports::JobLease>> PgTx::GetJobLease(const std::string& job) {
  auto r = conn_.Query("SELECT holder, until FROM job_leases WHERE job = $1", PgParams().Text(job));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<ports::JobLease>{};
  ports::JobLease lease;
  lease.job = job;
  lease.holder = r->Text(0, 0);
  lease.until = FromUnixMs(r->Int64(0, 1));
  return std::optional<ports::JobLease>(std::move(lease));
}

}  // namespace vpnhub::storage
