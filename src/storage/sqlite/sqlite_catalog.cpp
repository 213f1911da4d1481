// SqliteCatalog: locations and servers (ports::CatalogStore).
#include "storage/codec.hpp"
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteCatalog = SqlCatalog<SqlitePort>;

template <>
Result<Server> SqliteCatalog::ServerById(const char* sql, Id id);

namespace {

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
  VPNHUB_ASSIGN_OR_RETURN(auto settings, ServerSettingsFromJson(s.ColumnText(4), server.id));
  server.settings = std::move(settings);
  server.public_host = s.ColumnText(5);
  server.capacity = s.ColumnInt(6);
  server.enabled = s.ColumnBool(7);
  server.healthy = s.ColumnBool(8);
  server.created_at = FromUnixMs(s.ColumnInt64(9));
  server.used_slots = s.ColumnInt(10);
  return server;
}

}  // namespace

template <>
Result<Id> SqliteCatalog::InsertLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertLocation"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("INSERT INTO locations (name, enabled) VALUES (?1, ?2)"));
  stmt->BindText(1, location.name).BindInt64(2, location.enabled);
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<std::optional<Location>> SqliteCatalog::FindLocationByName(const std::string& name) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("SELECT id, name, enabled FROM locations WHERE name = ?1"));
  stmt->BindText(1, name);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<Location>();
  return std::optional<Location>(ReadLocation(*stmt));
}

template <>
Result<std::vector<Location>> SqliteCatalog::ListLocations() {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare("SELECT id, name, enabled FROM locations ORDER BY id"));
  std::vector<Location> locations;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) {
    locations.push_back(ReadLocation(s));
    return Status::Ok();
  }));
  return locations;
}

template <>
Status SqliteCatalog::UpdateLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateLocation"));
  {
    // A taken name fails this statement alone (SQLite's ABORT), not the transaction.
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt, conn_.Prepare("UPDATE locations SET name = ?2, enabled = ?3 WHERE id = ?1"));
    stmt->BindInt64(1, location.id).BindText(2, location.name).BindInt64(3, location.enabled);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("location " + std::to_string(location.id) + " not found");
}

template <>
Result<Id> SqliteCatalog::InsertServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertServer"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, enabled, "
          "healthy, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  stmt->BindInt64(1, server.location_id)
      .BindText(2, server.kind)
      .BindText(3, server.name)
      .BindText(4, ServerSettingsToJson(server.settings))
      .BindText(5, server.public_host)
      .BindInt64(6, server.capacity)
      .BindInt64(7, server.enabled)
      .BindInt64(8, server.healthy)
      .BindInt64(9, ToUnixMs(server.created_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<Server> SqliteCatalog::GetServer(Id id) {
  return ServerById(kGetServerSql, id);
}

template <>
Result<Server> SqliteCatalog::GetServerToCall(Id id) {
  return ServerById(kGetServerToCallSql, id);
}

template <>
Result<Server> SqliteCatalog::ServerById(const char* sql, Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("server " + std::to_string(id) + " not found");
  return ReadServer(*stmt);
}

template <>
Result<std::vector<Server>> SqliteCatalog::ListServers(std::optional<Id> location_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare(location_id ? kListServersOfLocationSql : kListServersSql));
  if (location_id) stmt->BindInt64(1, *location_id);
  std::vector<Server> servers;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(Server server, ReadServer(s));
    servers.push_back(std::move(server));
    return Status::Ok();
  }));
  return servers;
}

template <>
Status SqliteCatalog::SetServerHealthy(Id server_id, bool healthy) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetServerHealthy"));
  {
    // consecutive_failures counts unhealthy reports since the last healthy one.
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE servers SET healthy = ?2, consecutive_failures = "
                      "CASE WHEN ?2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = ?1"));
    stmt->BindInt64(1, server_id).BindInt64(2, healthy);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server_id) + " not found");
}

template <>
Status SqliteCatalog::UpdateServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateServer"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(
            "UPDATE servers SET name = ?2, settings = ?3, public_host = ?4, capacity = ?5, "
            "enabled = ?6 WHERE id = ?1"));
    stmt->BindInt64(1, server.id)
        .BindText(2, server.name)
        .BindText(3, ServerSettingsToJson(server.settings))
        .BindText(4, server.public_host)
        .BindInt64(5, server.capacity)
        .BindInt64(6, server.enabled);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server.id) + " not found");
}

template class SqlCatalog<SqlitePort>;

}  // namespace vpnhub::storage
