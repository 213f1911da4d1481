// PgCoordination: job leases, admin alert throttling, Telegram updates taken and named
// settings.
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgCoordination = SqlCoordination<PgPort>;

template <>
Result<bool> PgCoordination::AcquireJobLease(const std::string& job, const std::string& holder,
                                             Time now, Duration ttl) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("AcquireJobLease"));
  if (job.empty() || holder.empty()) return InvalidArgument("job lease: empty job or holder");
  if (ttl <= Duration::zero()) return InvalidArgument("job lease: ttl must be positive");
  // Taken when free, expired or already ours; otherwise the row stays as it is and the
  // conditional DO UPDATE touches nothing. Two instances racing for a free lease: the second
  // waits on the first's row, then loses a serialization conflict and its Write runs again.
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(
          "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $4) "
          "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until "
          "WHERE job_leases.holder = excluded.holder OR job_leases.until <= $3",
          PgParams().Text(job).Text(holder).Int(ToUnixMs(now)).Int(ToUnixMs(now + ttl))));
  return r.affected() > 0;
}

template <>
Status PgCoordination::ReleaseJobLease(const std::string& job, const std::string& holder) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseJobLease"));
  return conn_
      .Query("DELETE FROM job_leases WHERE job = $1 AND holder = $2",
             PgParams().Text(job).Text(holder))
      .status();
}

template <>
Result<std::optional<ports::JobLease>> PgCoordination::GetJobLease(const std::string& job) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query("SELECT holder, until FROM job_leases WHERE job = $1",
                                              PgParams().Text(job)));
  if (r.rows() == 0) return std::optional<ports::JobLease>{};
  ports::JobLease lease;
  lease.job = job;
  lease.holder = r.Text(0, 0);
  lease.until = FromUnixMs(r.Int64(0, 1));
  return std::optional<ports::JobLease>(std::move(lease));
}

template <>
Result<ports::AlertThrottle> PgCoordination::GetAlertThrottle(const std::string& subject) {
  // In a write transaction the row is locked until commit: a read-modify-write of one subject
  // (count the suppressed alert, or send and reset) then serialises even at READ COMMITTED.
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(read_only_
                      ? "SELECT last_sent_at, suppressed FROM alert_throttle WHERE subject = $1"
                      : "SELECT last_sent_at, suppressed FROM alert_throttle WHERE subject = $1 "
                        "FOR UPDATE",
                  PgParams().Text(subject)));
  ports::AlertThrottle throttle;
  if (r.rows() == 0) return throttle;
  if (!r.IsNull(0, 0)) throttle.last_sent_at = FromUnixMs(r.Int64(0, 0));
  throttle.suppressed = r.Int(0, 1);
  return throttle;
}

template <>
Status PgCoordination::PutAlertThrottle(const std::string& subject,
                                        const ports::AlertThrottle& value) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PutAlertThrottle"));
  return conn_
      .Query(
          "INSERT INTO alert_throttle (subject, last_sent_at, suppressed) VALUES ($1, $2, $3) "
          "ON CONFLICT (subject) DO UPDATE SET last_sent_at = excluded.last_sent_at, "
          "suppressed = excluded.suppressed",
          PgParams()
              .Text(subject)
              .IntOrNull(OptionalUnixMs(value.last_sent_at))
              .Int(value.suppressed))
      .status();
}

template <>
Result<std::optional<std::string>> PgCoordination::GetSetting(const std::string& name) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query("SELECT value FROM settings WHERE name = $1", PgParams().Text(name)));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.Text(0, 0));
}

template <>
Status PgCoordination::PutSetting(const std::string& name, const std::string& value) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PutSetting"));
  return conn_
      .Query(
          "INSERT INTO settings (name, value) VALUES ($1, $2) "
          "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          PgParams().Text(name).Text(value))
      .status();
}

template <>
Result<bool> PgCoordination::RecordUpdate(std::int64_t update_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RecordUpdate"));
  if (update_id <= 0) return InvalidArgument("update_id must be positive");
  // Two instances inserting the same id at once cannot both succeed, at READ COMMITTED too: the
  // second waits on the first's row and then does nothing.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, Modify("INSERT INTO telegram_updates (update_id, seen_at) VALUES ($1, $2) "
                           "ON CONFLICT (update_id) DO NOTHING",
                           PgParams().Int(update_id).Int(ToUnixMs(now))));
  return changed > 0;
}

template <>
Result<int> PgCoordination::ForgetUpdates(Time seen_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ForgetUpdates"));
  if (limit <= 0) return 0;
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify(
          "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates "
          "WHERE seen_at < $1 ORDER BY seen_at LIMIT $2)",
          PgParams().Int(ToUnixMs(seen_before)).Int(limit)));
  return static_cast<int>(changed);
}

template class SqlCoordination<PgPort>;

}  // namespace vpnhub::storage
