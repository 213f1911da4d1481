#pragma once
// SqliteKeys: ports::KeyStore over the connection of one SqliteTx: keys, their slots, expiry and
// notices.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/key_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteKeys final : public ports::KeyStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<Id> InsertKey(const Key& key) override;
  Result<Key> GetKey(Id id) override;
  Result<std::vector<Key>> GetKeys(const std::vector<Id>& ids) override;
  Result<std::vector<Id>> UpdateKeysState(const std::vector<Id>& ids, KeyState from, KeyState to,
                                          Time now, const std::string& error) override;
  Result<std::vector<Key>> ListKeys(const ports::KeyFilter& filter) override;
  Result<std::vector<int>> HeldSlots(Id server_id) override;
  Status UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                        const std::string& error) override;
  Status ReviveFailedKey(Id key_id, int slot, Time now) override;
  Result<std::vector<Key>> ListKeysDueForExpiry(Time now, int limit) override;
  Result<std::vector<Key>> ExpireDueKeys(Time now, int limit, int notice_flags) override;
  Result<std::vector<Key>> ListKeysDueForNotice(Time now, int limit) override;
  Status SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) override;
  Status SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                      std::optional<Time> next_notice_at, Time now) override;
};

}  // namespace vpnhub::storage
