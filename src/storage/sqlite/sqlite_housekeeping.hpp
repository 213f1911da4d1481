#pragma once
// SqliteHousekeeping: ports::HousekeepingStore over the connection of one SqliteTx: statistics,
// count folding and the retention purge.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/housekeeping_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteHousekeeping final : public ports::HousekeepingStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<int> PurgeDoneTasks(Time settled_before, int limit) override;
  Result<int> PurgeSettledMessages(Time settled_before, int limit) override;
  Status FoldStatCounters() override;
  Result<ports::StoreStats> Stats() override;

 private:
  // users and keys_by_state from the maintained counters (migration 0007).
  Status ReadStatCounters(ports::StoreStats& stats);
};

}  // namespace vpnhub::storage
