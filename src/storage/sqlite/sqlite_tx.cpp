// SqliteTx: shared helpers, users, locations, servers and stats. Keys, tasks and the bot's tables
// (messages, alert throttle, settings) live in sqlite_tx_keys.cpp, sqlite_tx_tasks.cpp and
// sqlite_tx_messages.cpp.
#include "storage/sqlite/sqlite_tx.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vpnhub::storage {

// A range of the users_created_at index, counted without reading the table.
const char kCountUsersCreatedSinceSql[] = "SELECT count(*) FROM users WHERE created_at >= ?1";

namespace {

#define VPNHUB_USER_SELECT                                                                   \
  "SELECT id, tg_id, username, lang, referrer_id, source, blocked_bot, banned, trial_used, " \
  "created_at FROM users "

constexpr char kFindUserByTgIdSql[] = VPNHUB_USER_SELECT "WHERE tg_id = ?1";
constexpr char kGetUserSql[] = VPNHUB_USER_SELECT "WHERE id = ?1";
constexpr char kListUsersSql[] = VPNHUB_USER_SELECT "WHERE id > ?1 ORDER BY id LIMIT ?2";

#undef VPNHUB_USER_SELECT

User ReadUser(const Statement& s) {
  User u;
  u.id = s.ColumnInt64(0);
  u.tg_id = s.ColumnInt64(1);
  u.username = s.ColumnText(2);
  u.lang = s.ColumnText(3);
  if (!s.ColumnIsNull(4)) u.referrer_id = s.ColumnInt64(4);
  u.source = s.ColumnText(5);
  u.blocked_bot = s.ColumnBool(6);
  u.banned = s.ColumnBool(7);
  u.trial_used = s.ColumnBool(8);
  u.created_at = FromUnixMs(s.ColumnInt64(9));
  return u;
}

Location ReadLocation(const Statement& s) {
  Location l;
  l.id = s.ColumnInt64(0);
  l.name = s.ColumnText(1);
  l.enabled = s.ColumnBool(2);
  return l;
}

// used_slots counts slot holders through the partial (server_id, slot) index.
#define VPNHUB_SERVER_SELECT                                                            \
  "SELECT s.id, s.location_id, s.kind, s.name, s.settings, s.public_host, s.capacity, " \
  "s.enabled, s.healthy, s.created_at, "                                                \
  "(SELECT count(*) FROM keys k WHERE k.server_id = s.id AND k.holds_slot = 1) "        \
  "FROM servers s "

constexpr char kGetServerSql[] = VPNHUB_SERVER_SELECT "WHERE s.id = ?1";
constexpr char kGetServerToCallSql[] =
    "SELECT s.id, s.location_id, s.kind, s.name, s.settings, s.public_host, s.capacity, "
    "s.enabled, s.healthy, s.created_at, 0 FROM servers s WHERE s.id = ?1";
constexpr char kListServersSql[] = VPNHUB_SERVER_SELECT "ORDER BY s.id";
constexpr char kListServersOfLocationSql[] =
    VPNHUB_SERVER_SELECT "WHERE s.location_id = ?1 ORDER BY s.id";

#undef VPNHUB_SERVER_SELECT

std::string SettingsToJson(const ServerSettings& settings) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : settings) j[k] = v;
  // The use cases admit only UTF-8; a stray byte must not throw out of the adapter.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ServerSettings> SettingsFromJson(const std::string& text, Id server_id) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Internal("server " + std::to_string(server_id) + ": settings are not a JSON object");
  }
  ServerSettings settings;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return Internal("server " + std::to_string(server_id) + ": setting " + k +
                      " is not a string");
    }
    settings[k] = v.get<std::string>();
  }
  return settings;
}

Result<Server> ReadServer(const Statement& s) {
  Server server;
  server.id = s.ColumnInt64(0);
  server.location_id = s.ColumnInt64(1);
  std::string kind = s.ColumnText(2);
  auto parsed = ParseServerKind(kind);
  if (!parsed) {
    return Internal("server " + std::to_string(server.id) + ": unknown kind '" + kind + "'");
  }
  server.kind = *parsed;
  server.name = s.ColumnText(3);
  auto settings = SettingsFromJson(s.ColumnText(4), server.id);
  if (!settings.ok()) return settings.status();
  server.settings = std::move(*settings);
  server.public_host = s.ColumnText(5);
  server.capacity = s.ColumnInt(6);
  server.enabled = s.ColumnBool(7);
  server.healthy = s.ColumnBool(8);
  server.created_at = FromUnixMs(s.ColumnInt64(9));
  server.used_slots = s.ColumnInt(10);
  return server;
}

int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

Status SqliteTx::CheckWritable(const char* method) const {
  if (!read_only_) return Status::Ok();
  return FailedPrecondition(std::string("sqlite: ") + method + " in a read-only transaction");
}

Result<bool> SqliteTx::Exists(const char* table, Id id) {
  auto stmt = conn_.Prepare(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, id);
  return (*stmt)->Step();
}

Status SqliteTx::ExplainNoChange(const char* table, const char* what, Id id, Status otherwise) {
  Result<bool> exists = Exists(table, id);
  if (!exists.ok()) return exists.status();
  if (!*exists) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return otherwise;
}

// users

Result<Id> SqliteTx::InsertUser(const User& user) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertUser"));
  auto stmt = conn_.Prepare(
      "INSERT INTO users (tg_id, username, lang, referrer_id, source, blocked_bot, banned, "
      "trial_used, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!stmt.ok()) return stmt.status();
  Statement& s = **stmt;
  s.BindInt64(1, user.tg_id).BindText(2, user.username).BindText(3, user.lang);
  if (user.referrer_id) {
    s.BindInt64(4, *user.referrer_id);
  } else {
    s.BindNull(4);
  }
  s.BindText(5, user.source)
      .BindInt64(6, user.blocked_bot)
      .BindInt64(7, user.banned)
      .BindInt64(8, user.trial_used)
      .BindInt64(9, ToUnixMs(user.created_at));
  VPNHUB_RETURN_IF_ERROR(s.Run());
  return conn_.LastInsertRowid();
}

Result<std::optional<User>> SqliteTx::FindUserByTgId(TgId tg_id) {
  auto stmt = conn_.Prepare(kFindUserByTgIdSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, tg_id);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<User>();
  return std::optional<User>(ReadUser(**stmt));
}

Result<User> SqliteTx::GetUser(Id id) {
  auto stmt = conn_.Prepare(kGetUserSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, id);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("user " + std::to_string(id) + " not found");
  return ReadUser(**stmt);
}

Result<std::vector<User>> SqliteTx::GetUsers(const std::vector<Id>& ids) {
  // In-process: one prepared lookup per id costs microseconds, no round trips to save.
  const std::vector<Id> sorted = SortedUnique(ids);
  std::vector<User> users;
  users.reserve(sorted.size());
  for (Id id : sorted) {
    auto user = GetUser(id);
    if (user.status().code() == StatusCode::kNotFound) continue;
    if (!user.ok()) return user.status();
    users.push_back(std::move(*user));
  }
  return users;
}

Result<std::vector<User>> SqliteTx::ListUsers(Id after_id, int limit) {
  auto stmt = conn_.Prepare(kListUsersSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, after_id).BindInt64(2, NonNegative(limit));
  std::vector<User> users;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(**stmt, [&](const Statement& s) {
    users.push_back(ReadUser(s));
    return Status::Ok();
  }));
  return users;
}

Status SqliteTx::SetUserLang(Id user_id, const std::string& lang) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetUserLang"));
  {
    auto stmt = conn_.Prepare("UPDATE users SET lang = ?2 WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, user_id).BindText(2, lang);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  // changes() counts every row the WHERE matched, also when the value stays the same.
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

Status SqliteTx::SetBlockedBot(Id user_id, bool blocked) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetBlockedBot"));
  {
    auto stmt = conn_.Prepare("UPDATE users SET blocked_bot = ?2 WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, user_id).BindInt64(2, blocked);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

Result<std::int64_t> SqliteTx::CountUsersCreatedSince(Time since) {
  auto stmt = conn_.Prepare(kCountUsersCreatedSinceSql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, ToUnixMs(since));
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*stmt)->ColumnInt64(0) : std::int64_t{0};
}

Status SqliteTx::MarkTrialUsed(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTrialUsed"));
  {
    auto stmt = conn_.Prepare("UPDATE users SET trial_used = 1 WHERE id = ?1 AND trial_used = 0");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, user_id);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has already used the trial"));
}

Status SqliteTx::GiveTrialBack(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("GiveTrialBack"));
  {
    auto stmt = conn_.Prepare("UPDATE users SET trial_used = 0 WHERE id = ?1 AND trial_used = 1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, user_id);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has not used the trial"));
}

// locations

Result<Id> SqliteTx::InsertLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertLocation"));
  auto stmt = conn_.Prepare("INSERT INTO locations (name, enabled) VALUES (?1, ?2)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(1, location.name).BindInt64(2, location.enabled);
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.LastInsertRowid();
}

Result<std::optional<Location>> SqliteTx::FindLocationByName(const std::string& name) {
  auto stmt = conn_.Prepare("SELECT id, name, enabled FROM locations WHERE name = ?1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindText(1, name);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Location>();
  return std::optional<Location>(ReadLocation(**stmt));
}

Result<std::vector<Location>> SqliteTx::ListLocations() {
  auto stmt = conn_.Prepare("SELECT id, name, enabled FROM locations ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  std::vector<Location> locations;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(**stmt, [&](const Statement& s) {
    locations.push_back(ReadLocation(s));
    return Status::Ok();
  }));
  return locations;
}

Status SqliteTx::UpdateLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateLocation"));
  {
    // A taken name fails this statement alone (SQLite's ABORT), not the transaction.
    auto stmt = conn_.Prepare("UPDATE locations SET name = ?2, enabled = ?3 WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, location.id).BindText(2, location.name).BindInt64(3, location.enabled);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("location " + std::to_string(location.id) + " not found");
}

// servers

Result<Id> SqliteTx::InsertServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertServer"));
  auto stmt = conn_.Prepare(
      "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, enabled, "
      "healthy, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)
      ->BindInt64(1, server.location_id)
      .BindText(2, server.kind)
      .BindText(3, server.name)
      .BindText(4, SettingsToJson(server.settings))
      .BindText(5, server.public_host)
      .BindInt64(6, server.capacity)
      .BindInt64(7, server.enabled)
      .BindInt64(8, server.healthy)
      .BindInt64(9, ToUnixMs(server.created_at));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.LastInsertRowid();
}

Result<Server> SqliteTx::GetServer(Id id) { return ServerById(kGetServerSql, id); }

Result<Server> SqliteTx::GetServerToCall(Id id) { return ServerById(kGetServerToCallSql, id); }

Result<Server> SqliteTx::ServerById(const char* sql, Id id) {
  auto stmt = conn_.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, id);
  Result<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFound("server " + std::to_string(id) + " not found");
  return ReadServer(**stmt);
}

Result<std::vector<Server>> SqliteTx::ListServers(std::optional<Id> location_id) {
  auto stmt = conn_.Prepare(location_id ? kListServersOfLocationSql : kListServersSql);
  if (!stmt.ok()) return stmt.status();
  if (location_id) (*stmt)->BindInt64(1, *location_id);
  std::vector<Server> servers;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(**stmt, [&](const Statement& s) -> Status {
    Result<Server> server = ReadServer(s);
    if (!server.ok()) return server.status();
    servers.push_back(std::move(*server));
    return Status::Ok();
  }));
  return servers;
}

Status SqliteTx::SetServerHealthy(Id server_id, bool healthy) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetServerHealthy"));
  {
    // consecutive_failures counts unhealthy reports since the last healthy one.
    auto stmt = conn_.Prepare(
        "UPDATE servers SET healthy = ?2, consecutive_failures = "
        "CASE WHEN ?2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)->BindInt64(1, server_id).BindInt64(2, healthy);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server_id) + " not found");
}

Status SqliteTx::UpdateServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateServer"));
  {
    auto stmt = conn_.Prepare(
        "UPDATE servers SET name = ?2, settings = ?3, public_host = ?4, capacity = ?5, "
        "enabled = ?6 WHERE id = ?1");
    if (!stmt.ok()) return stmt.status();
    (*stmt)
        ->BindInt64(1, server.id)
        .BindText(2, server.name)
        .BindText(3, SettingsToJson(server.settings))
        .BindText(4, server.public_host)
        .BindInt64(5, server.capacity)
        .BindInt64(6, server.enabled);
    VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server.id) + " not found");
}

// observability

Result<ports::StoreStats> SqliteTx::Stats() {
  ports::StoreStats stats;
  // Counting users and keys here cost ~90 ms at 1,000,000 keys; the counters cost a few rows.
  VPNHUB_RETURN_IF_ERROR(ReadStatCounters(stats));
  {
    // Spelled as IN rather than != 'done' so the tasks_state index skips the done
    // tasks, which pile up forever.
    auto stmt = conn_.Prepare(
        "SELECT kind, state, count(*) FROM tasks "
        "WHERE state IN ('pending', 'running', 'failed') GROUP BY kind, state");
    if (!stmt.ok()) return stmt.status();
    VPNHUB_RETURN_IF_ERROR(ForEachRow(**stmt, [&](const Statement& s) -> Status {
      std::string kind_name = s.ColumnText(0);
      std::string state_name = s.ColumnText(1);
      auto kind = ParseTaskKind(kind_name);
      auto state = ParseTaskState(state_name);
      if (!kind || !state) {
        return Internal("tasks: unknown kind/state '" + kind_name + "'/'" + state_name + "'");
      }
      stats.tasks[{*kind, *state}] = s.ColumnInt64(2);
      return Status::Ok();
    }));
  }
  {
    // Every open state is reported, zero included; sent messages are not counted at all.
    for (MessageState state :
         {MessageState::kPending, MessageState::kSending, MessageState::kFailed}) {
      stats.messages_by_state[state] = 0;
    }
    auto stmt = conn_.Prepare(kMessageStatsSql);
    if (!stmt.ok()) return stmt.status();
    VPNHUB_RETURN_IF_ERROR(ForEachRow(**stmt, [&](const Statement& s) -> Status {
      std::string name = s.ColumnText(0);
      auto state = ParseMessageState(name);
      if (!state) return Internal("outgoing_messages: unknown state '" + name + "'");
      stats.messages_by_state[*state] = s.ColumnInt64(1);
      return Status::Ok();
    }));
  }
  return stats;
}

}  // namespace vpnhub::storage
