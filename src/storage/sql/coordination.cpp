// SqlCoordination: job leases, admin alert throttling, Telegram updates taken and named settings
// (ports::CoordinationStore).
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {

Result<bool> SqlCoordination::AcquireJobLease(const std::string& job, const std::string& holder,
                                              Time now, Duration ttl) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("AcquireJobLease"));
  if (job.empty() || holder.empty()) return InvalidArgument("job lease: empty job or holder");
  if (ttl <= Duration::zero()) return InvalidArgument("job lease: ttl must be positive");
  // Taken when free, expired or already ours; otherwise the row stays as it is and the
  // conditional DO UPDATE touches nothing. PostgreSQL: two instances racing for a free lease, the
  // second waits on the first's row, then loses a serialization conflict and its Write runs again.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify("INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $4) "
                "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until "
                "WHERE job_leases.holder = excluded.holder OR job_leases.until <= $3",
                SqlParams().Text(job).Text(holder).Ms(now).Ms(now + ttl)));
  return changed > 0;
}

Status SqlCoordination::ReleaseJobLease(const std::string& job, const std::string& holder) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ReleaseJobLease"));
  return s_
      .Modify("DELETE FROM job_leases WHERE job = $1 AND holder = $2",
              SqlParams().Text(job).Text(holder))
      .status();
}

Result<std::optional<ports::JobLease>> SqlCoordination::GetJobLease(const std::string& job) {
  return s_.First<ports::JobLease>("SELECT holder, until FROM job_leases WHERE job = $1",
                                   SqlParams().Text(job), [&](const SqlRow& r) {
                                     ports::JobLease lease;
                                     lease.job = job;
                                     lease.holder = r.Text(0);
                                     lease.until = r.Ms(1);
                                     return lease;
                                   });
}

Result<ports::AlertThrottle> SqlCoordination::GetAlertThrottle(const std::string& subject) {
  // PostgreSQL: in a write transaction the row is locked until commit, so a read-modify-write of
  // one subject (count the suppressed alert, or send and reset) serialises even at READ
  // COMMITTED. SQLite has one writer at a time.
  constexpr SqlText kRead =
      "SELECT last_sent_at, suppressed FROM alert_throttle WHERE subject = $1";
  constexpr SqlText kReadForUpdate(
      "SELECT last_sent_at, suppressed FROM alert_throttle WHERE subject = $1 FOR UPDATE",
      kRead.sqlite);
  VPNHUB_ASSIGN_OR_RETURN(
      auto throttle, s_.First<ports::AlertThrottle>(s_.read_only() ? kRead : kReadForUpdate,
                                                    SqlParams().Text(subject), [](const SqlRow& r) {
                                                      ports::AlertThrottle value;
                                                      value.last_sent_at = r.MsOrNull(0);
                                                      value.suppressed = r.Int(1);
                                                      return value;
                                                    }));
  return throttle.value_or(ports::AlertThrottle{});
}

Status SqlCoordination::PutAlertThrottle(const std::string& subject,
                                         const ports::AlertThrottle& value) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("PutAlertThrottle"));
  return s_
      .Modify(
          "INSERT INTO alert_throttle (subject, last_sent_at, suppressed) VALUES ($1, $2, $3) "
          "ON CONFLICT (subject) DO UPDATE SET last_sent_at = excluded.last_sent_at, "
          "suppressed = excluded.suppressed",
          SqlParams().Text(subject).MsOrNull(value.last_sent_at).Int(value.suppressed))
      .status();
}

Result<std::optional<std::string>> SqlCoordination::GetSetting(const std::string& name) {
  return s_.First<std::string>("SELECT value FROM settings WHERE name = $1", SqlParams().Text(name),
                               [](const SqlRow& r) { return r.Text(0); });
}

Status SqlCoordination::PutSetting(const std::string& name, const std::string& value) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("PutSetting"));
  return s_
      .Modify(
          "INSERT INTO settings (name, value) VALUES ($1, $2) "
          "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          SqlParams().Text(name).Text(value))
      .status();
}

Result<bool> SqlCoordination::RecordUpdate(std::int64_t update_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RecordUpdate"));
  if (update_id <= 0) return InvalidArgument("update_id must be positive");
  // Two instances inserting the same id at once cannot both succeed, at READ COMMITTED too: the
  // second waits on the first's row and then does nothing.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, s_.Modify("INSERT INTO telegram_updates (update_id, seen_at) VALUES ($1, $2) "
                              "ON CONFLICT (update_id) DO NOTHING",
                              SqlParams().Int(update_id).Ms(now)));
  return changed > 0;
}

Result<int> SqlCoordination::ForgetUpdates(Time seen_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ForgetUpdates"));
  if (limit <= 0) return 0;
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(
          "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates "
          "WHERE seen_at < $1 ORDER BY seen_at LIMIT $2)",
          SqlParams().Ms(seen_before).Int(limit)));
  return static_cast<int>(changed);
}

}  // namespace vpnhub::storage
