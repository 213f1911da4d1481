#pragma once
// SqliteCoordination: ports::CoordinationStore over the connection of one SqliteTx: job leases,
// alert throttling, Telegram updates taken and named settings.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/coordination_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteCoordination final : public ports::CoordinationStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<ports::AlertThrottle> GetAlertThrottle(const std::string& subject) override;
  Status PutAlertThrottle(const std::string& subject, const ports::AlertThrottle& value) override;
  Result<std::optional<std::string>> GetSetting(const std::string& name) override;
  Status PutSetting(const std::string& name, const std::string& value) override;
  Result<bool> AcquireJobLease(const std::string& job, const std::string& holder, Time now,
                               Duration ttl) override;
  Status ReleaseJobLease(const std::string& job, const std::string& holder) override;
  Result<std::optional<ports::JobLease>> GetJobLease(const std::string& job) override;
  Result<bool> RecordUpdate(std::int64_t update_id, Time now) override;
  Result<int> ForgetUpdates(Time seen_before, int limit) override;
};

}  // namespace vpnhub::storage
