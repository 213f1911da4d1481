// PgCatalog: locations and servers (ports::CatalogStore).
#include "storage/codec.hpp"
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgCatalog = SqlCatalog<PgPort>;

template <>
Result<Server> PgCatalog::ServerById(const char* sql, Id id);

namespace {

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
  VPNHUB_ASSIGN_OR_RETURN(auto settings, ServerSettingsFromJson(r.Text(row, 4), server.id));
  server.settings = std::move(settings);
  server.public_host = r.Text(row, 5);
  server.capacity = r.Int(row, 6);
  server.enabled = r.Bool(row, 7);
  server.healthy = r.Bool(row, 8);
  server.created_at = FromUnixMs(r.Int64(row, 9));
  server.used_slots = r.Int(row, 10);
  return server;
}

}  // namespace

template <>
Result<Id> PgCatalog::InsertLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertLocation"));
  return InsertReturningId(
      "INSERT INTO locations (name, enabled) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
      PgParams().Text(location.name).Bool(location.enabled), "location '" + location.name + "'");
}

template <>
Result<std::optional<Location>> PgCatalog::FindLocationByName(const std::string& name) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query("SELECT id, name, enabled FROM locations WHERE name = $1",
                                      PgParams().Text(name)));
  if (r.rows() == 0) return std::optional<Location>();
  return std::optional<Location>(ReadLocation(r, 0));
}

template <>
Result<std::vector<Location>> PgCatalog::ListLocations() {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query("SELECT id, name, enabled FROM locations ORDER BY id"));
  std::vector<Location> locations;
  locations.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) locations.push_back(ReadLocation(r, row));
  return locations;
}

template <>
Status PgCatalog::UpdateLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateLocation"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      ModifyUnique("UPDATE locations SET name = $2, enabled = $3 WHERE id = $1",
                   PgParams().Int(location.id).Text(location.name).Bool(location.enabled),
                   "location name '" + location.name + "'"));
  if (changed > 0) return Status::Ok();
  return NotFound("location " + std::to_string(location.id) + " not found");
}

template <>
Result<Id> PgCatalog::InsertServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertServer"));
  return InsertReturningId(
      "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, enabled, "
      "healthy, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(server.location_id)
          .Text(server.kind)
          .Text(server.name)
          .Text(ServerSettingsToJson(server.settings))
          .Text(server.public_host)
          .Int(server.capacity)
          .Bool(server.enabled)
          .Bool(server.healthy)
          .Int(ToUnixMs(server.created_at)),
      "server '" + server.name + "'");
}

template <>
Result<Server> PgCatalog::GetServer(Id id) {
  return ServerById(kGetServerSql, id);
}

template <>
Result<Server> PgCatalog::GetServerToCall(Id id) {
  return ServerById(kGetServerToCallSql, id);
}

template <>
Result<Server> PgCatalog::ServerById(const char* sql, Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(sql, PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("server " + std::to_string(id) + " not found");
  return ReadServer(r, 0);
}

template <>
Result<std::vector<Server>> PgCatalog::ListServers(std::optional<Id> location_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, location_id ? conn_.Query(kListServersOfLocationSql, PgParams().Int(*location_id))
                          : conn_.Query(kListServersSql));
  std::vector<Server> servers;
  servers.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    VPNHUB_ASSIGN_OR_RETURN(Server server, ReadServer(r, row));
    servers.push_back(std::move(server));
  }
  return servers;
}

template <>
Status PgCatalog::SetServerHealthy(Id server_id, bool healthy) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetServerHealthy"));
  // consecutive_failures counts unhealthy reports since the last healthy one.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, Modify("UPDATE servers SET healthy = $2, consecutive_failures = "
                           "CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = $1",
                           PgParams().Int(server_id).Bool(healthy)));
  if (changed > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server_id) + " not found");
}

template <>
Status PgCatalog::UpdateServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateServer"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      ModifyUnique("UPDATE servers SET name = $2, settings = $3, public_host = $4, capacity = $5, "
                   "enabled = $6 WHERE id = $1",
                   PgParams()
                       .Int(server.id)
                       .Text(server.name)
                       .Text(ServerSettingsToJson(server.settings))
                       .Text(server.public_host)
                       .Int(server.capacity)
                       .Bool(server.enabled),
                   "server name '" + server.name + "'"));
  if (changed > 0) return Status::Ok();
  return NotFound("server " + std::to_string(server.id) + " not found");
}

template class SqlCatalog<PgPort>;

}  // namespace vpnhub::storage
