// PgTx: shared helpers, users, locations, servers and stats. Keys, tasks, the bot's tables
// (messages, alert throttle, settings) and job leases live in pg_tx_keys.cpp, pg_tx_tasks.cpp,
// pg_tx_messages.cpp and pg_tx_leases.cpp.
#include "storage/postgres/pg_tx.hpp"

#include <nlohmann/json.hpp>

namespace vpnhub::storage {

// A range of the users_created_at index.
const char kPgCountUsersCreatedSinceSql[] = "SELECT count(*) FROM users WHERE created_at >= $1";

namespace {

#define VPNHUB_USER_SELECT                                                                   \
  "SELECT id, tg_id, username, lang, referrer_id, source, blocked_bot, banned, trial_used, " \
  "created_at FROM users "

constexpr char kFindUserByTgIdSql[] = VPNHUB_USER_SELECT "WHERE tg_id = $1";
constexpr char kGetUserSql[] = VPNHUB_USER_SELECT "WHERE id = $1";
constexpr char kListUsersSql[] = VPNHUB_USER_SELECT "WHERE id > $1 ORDER BY id LIMIT $2";
constexpr char kGetUsersSql[] = VPNHUB_USER_SELECT "WHERE id = ANY($1::bigint[]) ORDER BY id";

#undef VPNHUB_USER_SELECT

User ReadUser(const PgResult& r, int row) {
  User u;
  u.id = r.Int64(row, 0);
  u.tg_id = r.Int64(row, 1);
  u.username = r.Text(row, 2);
  u.lang = r.Text(row, 3);
  if (!r.IsNull(row, 4)) u.referrer_id = r.Int64(row, 4);
  u.source = r.Text(row, 5);
  u.blocked_bot = r.Bool(row, 6);
  u.banned = r.Bool(row, 7);
  u.trial_used = r.Bool(row, 8);
  u.created_at = FromUnixMs(r.Int64(row, 9));
  return u;
}

Location ReadLocation(const PgResult& r, int row) {
  Location l;
  l.id = r.Int64(row, 0);
  l.name = r.Text(row, 1);
  l.enabled = r.Bool(row, 2);
  return l;
}

// used_slots counts slot holders through the partial (server_id, slot) index.
#define VPNHUB_SERVER_SELECT                                                            \
  "SELECT s.id, s.location_id, s.kind, s.name, s.settings, s.public_host, s.capacity, " \
  "s.enabled, s.healthy, s.created_at, "                                                \
  "(SELECT count(*) FROM keys k WHERE k.server_id = s.id AND k.holds_slot) "            \
  "FROM servers s "

constexpr char kGetServerSql[] = VPNHUB_SERVER_SELECT "WHERE s.id = $1";
constexpr char kGetServerToCallSql[] =
    "SELECT s.id, s.location_id, s.kind, s.name, s.settings, s.public_host, s.capacity, "
    "s.enabled, s.healthy, s.created_at, 0 FROM servers s WHERE s.id = $1";
constexpr char kListServersSql[] = VPNHUB_SERVER_SELECT "ORDER BY s.id";
constexpr char kListServersOfLocationSql[] =
    VPNHUB_SERVER_SELECT "WHERE s.location_id = $1 ORDER BY s.id";

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

Result<Server> ReadServer(const PgResult& r, int row) {
  Server server;
  server.id = r.Int64(row, 0);
  server.location_id = r.Int64(row, 1);
  std::string kind = r.Text(row, 2);
  auto parsed = ParseServerKind(kind);
  if (!parsed) {
    return Internal("server " + std::to_string(server.id) + ": unknown kind '" + kind + "'");
  }
  server.kind = *parsed;
  server.name = r.Text(row, 3);
  auto settings = SettingsFromJson(r.Text(row, 4), server.id);
  if (!settings.ok()) return settings.status();
  server.settings = std::move(*settings);
  server.public_host = r.Text(row, 5);
  server.capacity = r.Int(row, 6);
  server.enabled = r.Bool(row, 7);
  server.healthy = r.Bool(row, 8);
  server.created_at = FromUnixMs(r.Int64(row, 9));
  server.used_slots = r.Int(row, 10);
  return server;
}

int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

Status PgTx::CheckWritable(const char* method) const {
  if (!read_only_) return Status::Ok();
  return FailedPrecondition(std::string("postgres: ") + method + " in a read-only transaction");
}

Result<bool> PgTx::Exists(const char* table, Id id) {
  auto r =
      conn_.Query(std::string("SELECT 1 FROM ") + table + " WHERE id = $1", PgParams().Int(id));
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Status PgTx::ExplainNoChange(const char* table, const char* what, Id id, Status otherwise) {
  Result<bool> exists = Exists(table, id);
  if (!exists.ok()) return exists.status();
  if (!*exists) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return otherwise;
}

Result<Id> PgTx::InsertReturningId(const char* sql, const PgParams& params,
                                   const std::string& what) {
  auto r = conn_.Query(sql, params);
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return AlreadyExists(what + ": a unique value is taken");
  return r->Int64(0, 0);
}

Result<std::int64_t> PgTx::Modify(const char* sql, const PgParams& params) {
  auto r = conn_.Query(sql, params);
  if (!r.ok()) return r.status();
  return r->affected();
}

Result<std::int64_t> PgTx::ModifyUnique(const char* sql, const PgParams& params,
                                        const std::string& what) {
  // A unique violation aborts a PostgreSQL transaction; under a savepoint it is an ordinary
  // kAlreadyExists, as with SQLite, and the caller's transaction goes on.
  VPNHUB_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT vpnhub_unique"));
  auto changed = Modify(sql, params);
  Status end = conn_.Exec(changed.ok() ? "RELEASE SAVEPOINT vpnhub_unique"
                                       : "ROLLBACK TO SAVEPOINT vpnhub_unique; "
                                         "RELEASE SAVEPOINT vpnhub_unique");
  if (!changed.ok()) {
    if (changed.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists(what + " is taken");
    }
    return changed.status();
  }
  VPNHUB_RETURN_IF_ERROR(end);
  return changed;
}

// users

Result<Id> PgTx::InsertUser(const User& user) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertUser"));
  return InsertReturningId(
      "INSERT INTO users (tg_id, username, lang, referrer_id, source, blocked_bot, banned, "
      "trial_used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(user.tg_id)
          .Text(user.username)
          .Text(user.lang)
          .IntOrNull(user.referrer_id)
          .Text(user.source)
          .Bool(user.blocked_bot)
          .Bool(user.banned)
          .Bool(user.trial_used)
          .Int(ToUnixMs(user.created_at)),
      "user with tg_id " + std::to_string(user.tg_id));
}

Result<std::optional<User>> PgTx::FindUserByTgId(TgId tg_id) {
  auto r = conn_.Query(kFindUserByTgIdSql, PgParams().Int(tg_id));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<User>();
  return std::optional<User>(ReadUser(*r, 0));
}

Result<User> PgTx::GetUser(Id id) {
  auto r = conn_.Query(kGetUserSql, PgParams().Int(id));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFound("user " + std::to_string(id) + " not found");
  return ReadUser(*r, 0);
}

Result<std::vector<User>> PgTx::GetUsers(const std::vector<Id>& ids) {
  std::vector<User> users;
  if (ids.empty()) return users;
  auto r = conn_.Query(kGetUsersSql, PgParams().IntArray(ids));
  if (!r.ok()) return r.status();
  users.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) users.push_back(ReadUser(*r, row));
  return users;
}

Result<std::vector<User>> PgTx::ListUsers(Id after_id, int limit) {
  auto r = conn_.Query(kListUsersSql, PgParams().Int(after_id).Int(NonNegative(limit)));
  if (!r.ok()) return r.status();
  std::vector<User> users;
  users.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) users.push_back(ReadUser(*r, row));
  return users;
}

Status PgTx::SetUserLang(Id user_id, const std::string& lang) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetUserLang"));
  // The row count includes rows whose value stays the same.
  auto changed =
      Modify("UPDATE users SET lang = $2 WHERE id = $1", PgParams().Int(user_id).Text(lang));
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

Status PgTx::SetBlockedBot(Id user_id, bool blocked) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetBlockedBot"));
  auto changed = Modify("UPDATE users SET blocked_bot = $2 WHERE id = $1",
                        PgParams().Int(user_id).Bool(blocked));
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

Result<std::int64_t> PgTx::CountUsersCreatedSince(Time since) {
  auto r = conn_.Query(kPgCountUsersCreatedSinceSql, PgParams().Int(ToUnixMs(since)));
  if (!r.ok()) return r.status();
  return r->Int64(0, 0);
}

Status PgTx::MarkTrialUsed(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTrialUsed"));
  auto changed = Modify("UPDATE users SET trial_used = TRUE WHERE id = $1 AND NOT trial_used",
                        PgParams().Int(user_id));
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has already used the trial"));
}

Status PgTx::GiveTrialBack(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("GiveTrialBack"));
  auto changed = Modify("UPDATE users SET trial_used = FALSE WHERE id = $1 AND trial_used",
                        PgParams().Int(user_id));
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has not used the trial"));
}

// locations

Result<Id> PgTx::InsertLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertLocation"));
  return InsertReturningId(
      "INSERT INTO locations (name, enabled) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
      PgParams().Text(location.name).Bool(location.enabled), "location '" + location.name + "'");
}

Result<std::optional<Location>> PgTx::FindLocationByName(const std::string& name) {
  auto r =
      conn_.Query("SELECT id, name, enabled FROM locations WHERE name = $1", PgParams().Text(name));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<Location>();
  return std::optional<Location>(ReadLocation(*r, 0));
}

Result<std::vector<Location>> PgTx::ListLocations() {
  auto r = conn_.Query("SELECT id, name, enabled FROM locations ORDER BY id");
  if (!r.ok()) return r.status();
  std::vector<Location> locations;
  locations.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) locations.push_back(ReadLocation(*r, row));
  return locations;
}

Status PgTx::UpdateLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateLocation"));
  auto changed =
      ModifyUnique("UPDATE locations SET name = $2, enabled = $3 WHERE id = $1",
                   PgParams().Int(location.id).Text(location.name).Bool(location.enabled),
                   "location name '" + location.name + "'");
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return NotFound("location " + std::to_string(location.id) + " not found");
}

// servers

Result<Id> PgTx::InsertServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertServer"));
  return InsertReturningId(
      "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, enabled, "
      "healthy, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(server.location_id)
          .Text(ServerKindName(server.kind))
          .Text(server.name)
          .Text(SettingsToJson(server.settings))
          .Text(server.public_host)
          .Int(server.capacity)
          .Bool(server.enabled)
          .Bool(server.healthy)
          .Int(ToUnixMs(server.created_at)),
      "server '" + server.name + "'");
}

Result<Server> PgTx::GetServer(Id id) { return ServerById(kGetServerSql, id); }

Result<Server> PgTx::GetServerToCall(Id id) { return ServerById(kGetServerToCallSql, id); }

Result<Server> PgTx::ServerById(const char* sql, Id id) {
  auto r = conn_.Query(sql, PgParams().Int(id));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFound("server " + std::to_string(id) + " not found");
  return ReadServer(*r, 0);
}

Result<std::vector<Server>> PgTx::ListServers(std::optional<Id> location_id) {
  auto r = location_id ? conn_.Query(kListServersOfLocationSql, PgParams().Int(*location_id))
                       : conn_.Query(kListServersSql);
  if (!r.ok()) return r.status();
  std::vector<Server> servers;
  servers.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) {
    Result<Server> server = ReadServer(*r, row);
    if (!server.ok()) return server.status();
    servers.push_back(std::move(*server));
  }
  return servers;
}

Status PgTx::SetServerHealthy(Id server_id, bool healthy) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetServerHealthy"));
  // consecutive_failures counts unhealthy reports since the last healthy one.
  auto changed = Modify(
      "UPDATE servers SET healthy = $2, consecutive_failures = "
      "CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = $1",
      PgParams().Int(server_id).Bool(healthy));
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server_id) + " not found");
}

Status PgTx::UpdateServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateServer"));
  auto changed = ModifyUnique(
      "UPDATE servers SET name = $2, settings = $3, public_host = $4, capacity = $5, "
      "enabled = $6 WHERE id = $1",
      PgParams()
          .Int(server.id)
          .Text(server.name)
          .Text(SettingsToJson(server.settings))
          .Text(server.public_host)
          .Int(server.capacity)
          .Bool(server.enabled),
      "server name '" + server.name + "'");
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server.id) + " not found");
}

// observability

Result<ports::StoreStats> PgTx::Stats() {
  ports::StoreStats stats;
  // Counting users and keys here cost tens of milliseconds at 1,000,000 keys; the counters cost a
  // few rows (plus the deltas since the last fold).
  VPNHUB_RETURN_IF_ERROR(ReadStatCounters(stats));
  {
    // Spelled as IN rather than != 'done' so the tasks_state index skips the done
    // tasks, which pile up forever.
    auto r = conn_.Query(
        "SELECT kind, state, count(*) FROM tasks "
        "WHERE state IN ('pending', 'running', 'failed') GROUP BY kind, state");
    if (!r.ok()) return r.status();
    for (int row = 0; row < r->rows(); ++row) {
      std::string kind_name = r->Text(row, 0);
      std::string state_name = r->Text(row, 1);
      auto kind = ParseTaskKind(kind_name);
      auto state = ParseTaskState(state_name);
      if (!kind || !state) {
        return Internal("tasks: unknown kind/state '" + kind_name + "'/'" + state_name + "'");
      }
      stats.tasks[{*kind, *state}] = r->Int64(row, 2);
    }
  }
  {
    // Every open state is reported, zero included; sent messages are not counted at all (the
    // IN list keeps the state index off the sent rows).
    for (MessageState state :
         {MessageState::kPending, MessageState::kSending, MessageState::kFailed}) {
      stats.messages_by_state[state] = 0;
    }
    auto r = conn_.Query(
        "SELECT state, count(*) FROM outgoing_messages "
        "WHERE state IN ('pending', 'sending', 'failed') GROUP BY state");
    if (!r.ok()) return r.status();
    for (int row = 0; row < r->rows(); ++row) {
      std::string name = r->Text(row, 0);
      auto state = ParseMessageState(name);
      if (!state) return Internal("outgoing_messages: unknown state '" + name + "'");
      stats.messages_by_state[*state] = r->Int64(row, 1);
    }
  }
  return stats;
}

}  // namespace vpnhub::storage
