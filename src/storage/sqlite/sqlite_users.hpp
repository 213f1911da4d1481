#pragma once
// SqliteUsers: ports::UserStore over the connection of one SqliteTx: the people who use the bot.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/user_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteUsers final : public ports::UserStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<Id> InsertUser(const User& user) override;
  Result<std::optional<User>> FindUserByTgId(TgId tg_id) override;
  Result<User> GetUser(Id id) override;
  Result<std::vector<User>> GetUsers(const std::vector<Id>& ids) override;
  Result<std::vector<User>> ListUsers(Id after_id, int limit) override;
  Status SetUserLang(Id user_id, const std::string& lang) override;
  Status SetBlockedBot(Id user_id, bool blocked) override;
  Result<std::int64_t> CountUsersCreatedSince(Time since) override;
  Status MarkTrialUsed(Id user_id) override;
  Status GiveTrialBack(Id user_id) override;
};

}  // namespace vpnhub::storage
