// SqliteCoordination: job leases, admin alert throttling, Telegram updates taken and named
// settings.
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteCoordination = SqlCoordination<SqlitePort>;

template <>
Result<bool> SqliteCoordination::AcquireJobLease(const std::string& job, const std::string& holder,
                                                 Time now, Duration ttl) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("AcquireJobLease"));
  if (job.empty() || holder.empty()) return InvalidArgument("job lease: empty job or holder");
  if (ttl <= Duration::zero()) return InvalidArgument("job lease: ttl must be positive");
  // Taken when free, expired or already ours; otherwise the row stays as it is.
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO job_leases (job, holder, until) VALUES (?1, ?2, ?4) "
          "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until "
          "WHERE job_leases.holder = excluded.holder OR job_leases.until <= ?3"));
  stmt->BindText(1, job)
      .BindText(2, holder)
      .BindInt64(3, ToUnixMs(now))
      .BindInt64(4, ToUnixMs(now + ttl));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.Changes() > 0;
}

template <>
Status SqliteCoordination::ReleaseJobLease(const std::string& job, const std::string& holder) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReleaseJobLease"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("DELETE FROM job_leases WHERE job = ?1 AND holder = ?2"));
  stmt->BindText(1, job).BindText(2, holder);
  return stmt->Run();
}

template <>
Result<std::optional<ports::JobLease>> SqliteCoordination::GetJobLease(const std::string& job) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("SELECT holder, until FROM job_leases WHERE job = ?1"));
  stmt->BindText(1, job);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<ports::JobLease>{};
  ports::JobLease lease;
  lease.job = job;
  lease.holder = stmt->ColumnText(0);
  lease.until = FromUnixMs(stmt->ColumnInt64(1));
  return std::optional<ports::JobLease>(std::move(lease));
}

template <>
Result<ports::AlertThrottle> SqliteCoordination::GetAlertThrottle(const std::string& subject) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("SELECT last_sent_at, suppressed FROM alert_throttle WHERE subject = ?1"));
  stmt->BindText(1, subject);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  ports::AlertThrottle throttle;
  if (!row) return throttle;
  if (!stmt->ColumnIsNull(0)) throttle.last_sent_at = FromUnixMs(stmt->ColumnInt64(0));
  throttle.suppressed = stmt->ColumnInt(1);
  return throttle;
}

template <>
Status SqliteCoordination::PutAlertThrottle(const std::string& subject,
                                            const ports::AlertThrottle& value) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PutAlertThrottle"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO alert_throttle (subject, last_sent_at, suppressed) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (subject) DO UPDATE SET last_sent_at = excluded.last_sent_at, "
          "suppressed = excluded.suppressed"));
  stmt->BindText(1, subject);
  if (value.last_sent_at) {
    stmt->BindInt64(2, ToUnixMs(*value.last_sent_at));
  } else {
    stmt->BindNull(2);
  }
  stmt->BindInt64(3, value.suppressed);
  return stmt->Run();
}

template <>
Result<std::optional<std::string>> SqliteCoordination::GetSetting(const std::string& name) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("SELECT value FROM settings WHERE name = ?1"));
  stmt->BindText(1, name);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

template <>
Status SqliteCoordination::PutSetting(const std::string& name, const std::string& value) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("PutSetting"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("INSERT INTO settings (name, value) VALUES (?1, ?2) "
                                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
  stmt->BindText(1, name).BindText(2, value);
  return stmt->Run();
}

template <>
Result<bool> SqliteCoordination::RecordUpdate(std::int64_t update_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RecordUpdate"));
  if (update_id <= 0) return InvalidArgument("update_id must be positive");
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt, conn_.Prepare("INSERT INTO telegram_updates (update_id, seen_at) VALUES (?1, ?2) "
                               "ON CONFLICT (update_id) DO NOTHING"));
  stmt->BindInt64(1, update_id).BindInt64(2, ToUnixMs(now));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.Changes() > 0;
}

template <>
Result<int> SqliteCoordination::ForgetUpdates(Time seen_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ForgetUpdates"));
  if (limit <= 0) return 0;
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates "
          "WHERE seen_at < ?1 ORDER BY seen_at LIMIT ?2)"));
  stmt->BindInt64(1, ToUnixMs(seen_before)).BindInt64(2, limit);
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return static_cast<int>(conn_.Changes());
}

template class SqlCoordination<SqlitePort>;

}  // namespace vpnhub::storage
