// SqlCatalog: locations and servers (ports::CatalogStore).
#include "storage/codec.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

Location ReadLocation(const SqlRow& r) {
  Location l;
  l.id = r.Int64(0);
  l.name = r.Text(1);
  l.enabled = r.Bool(2);
  return l;
}

#define VPNHUB_SERVER_COLUMNS                                                             \
  "SELECT s.id, s.location_id, s.kind, s.name, s.settings, s.public_host, s.capacity, "   \
  "s.enabled, s.healthy, s.created_at, s.consecutive_failures, s.consecutive_successes, " \
  "s.last_check_at, s.health_changed_at, "
// used_slots counts slot holders through the partial (server_id, slot) index; SQLite uses a
// partial index only when the query repeats its condition as written (holds_slot = 1).
#define VPNHUB_SERVER_SELECT(held)                             \
  VPNHUB_SERVER_COLUMNS                                        \
  "(SELECT count(*) FROM keys k WHERE k.server_id = s.id AND " \
  "k." held ") FROM servers s "
#define VPNHUB_SERVER_SQL(tail) \
  SqlText(VPNHUB_SERVER_SELECT("holds_slot") tail, VPNHUB_SERVER_SELECT("holds_slot = 1") tail)

constexpr SqlText kGetServerSql = VPNHUB_SERVER_SQL("WHERE s.id = $1");
constexpr SqlText kGetServerToCallSql = VPNHUB_SERVER_COLUMNS "0 FROM servers s WHERE s.id = $1";
// A removed server (RemoveServer) is in no list.
constexpr SqlText kListServersSql = VPNHUB_SERVER_SQL("WHERE s.removed_at IS NULL ORDER BY s.id");
constexpr SqlText kListServersOfLocationSql =
    VPNHUB_SERVER_SQL("WHERE s.location_id = $1 AND s.removed_at IS NULL ORDER BY s.id");

#undef VPNHUB_SERVER_SQL
#undef VPNHUB_SERVER_SELECT
#undef VPNHUB_SERVER_COLUMNS

Result<Server> ReadServer(const SqlRow& r) {
  Server server;
  server.id = r.Int64(0);
  server.location_id = r.Int64(1);
  VPNHUB_ASSIGN_OR_RETURN(server.kind, r.Named(2, ParseServerKind, "server", server.id, "kind"));
  server.name = r.Text(3);
  VPNHUB_ASSIGN_OR_RETURN(auto settings, ServerSettingsFromJson(r.Text(4), server.id));
  server.settings = std::move(settings);
  server.public_host = r.Text(5);
  server.capacity = r.Int(6);
  server.enabled = r.Bool(7);
  server.healthy = r.Bool(8);
  server.created_at = r.Ms(9);
  server.consecutive_failures = r.Int(10);
  server.consecutive_successes = r.Int(11);
  server.last_check_at = r.MsOrNull(12);
  server.health_changed_at = r.MsOrNull(13);
  server.used_slots = r.Int(14);
  return server;
}

}  // namespace

Result<Id> SqlCatalog::InsertLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertLocation"));
  return s_.InsertUnique("INSERT INTO locations (name, enabled) VALUES ($1, $2)",
                         SqlParams().Text(location.name).Bool(location.enabled),
                         "location '" + location.name + "'");
}

Result<std::optional<Location>> SqlCatalog::FindLocationByName(const std::string& name) {
  return s_.First<Location>("SELECT id, name, enabled FROM locations WHERE name = $1",
                            SqlParams().Text(name), ReadLocation);
}

Result<std::vector<Location>> SqlCatalog::ListLocations() {
  return s_.All<Location>("SELECT id, name, enabled FROM locations ORDER BY id", SqlParams(),
                          ReadLocation);
}

Status SqlCatalog::UpdateLocation(const Location& location) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("UpdateLocation"));
  return SqlSession::NotFoundUnlessChanged(
      s_.ModifyUnique("UPDATE locations SET name = $2, enabled = $3 WHERE id = $1",
                      SqlParams().Int(location.id).Text(location.name).Bool(location.enabled),
                      "location name '" + location.name + "'"),
      "location", location.id);
}

Result<Id> SqlCatalog::InsertServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertServer"));
  return s_.InsertUnique(
      "INSERT INTO servers (location_id, kind, name, settings, public_host, capacity, enabled, "
      "healthy, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      SqlParams()
          .Int(server.location_id)
          .Text(server.kind)
          .Text(server.name)
          .Text(ServerSettingsToJson(server.settings))
          .Text(server.public_host)
          .Int(server.capacity)
          .Bool(server.enabled)
          .Bool(server.healthy)
          .Ms(server.created_at),
      "server '" + server.name + "'");
}

Result<Server> SqlCatalog::GetServer(Id id) {
  return s_.GetById<Server>(kGetServerSql, id, "server", ReadServer);
}

Result<Server> SqlCatalog::GetServerToCall(Id id) {
  return s_.GetById<Server>(kGetServerToCallSql, id, "server", ReadServer);
}

Result<std::vector<Server>> SqlCatalog::ListServers(std::optional<Id> location_id) {
  if (!location_id) return s_.All<Server>(kListServersSql, SqlParams(), ReadServer);
  return s_.All<Server>(kListServersOfLocationSql, SqlParams().Int(*location_id), ReadServer);
}

Status SqlCatalog::RemoveServer(Id server_id, const std::string& new_name, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RemoveServer"));
  return SqlSession::NotFoundUnlessChanged(
      s_.ModifyUnique("UPDATE servers SET removed_at = $2, enabled = FALSE, name = $3 "
                      "WHERE id = $1 AND removed_at IS NULL",
                      SqlParams().Int(server_id).Ms(now).Text(new_name), "server name"),
      "server", server_id);
}

Status SqlCatalog::SetServerHealthy(Id server_id, bool healthy) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetServerHealthy"));
  // consecutive_failures counts unhealthy reports since the last healthy one.
  return s_.ModifyById(
      "UPDATE servers SET healthy = $2, consecutive_failures = "
      "CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END WHERE id = $1",
      SqlParams().Int(server_id).Bool(healthy), "server", server_id);
}

Status SqlCatalog::RecordServerHealth(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RecordServerHealth"));
  return s_.ModifyById(
      "UPDATE servers SET healthy = $2, consecutive_failures = $3, consecutive_successes = $4, "
      "last_check_at = $5, health_changed_at = $6 WHERE id = $1",
      SqlParams()
          .Int(server.id)
          .Bool(server.healthy)
          .Int(server.consecutive_failures)
          .Int(server.consecutive_successes)
          .MsOrNull(server.last_check_at)
          .MsOrNull(server.health_changed_at),
      "server", server.id);
}

Status SqlCatalog::UpdateServer(const Server& server) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("UpdateServer"));
  // A taken name is kAlreadyExists and leaves the transaction usable (see ModifyUnique).
  return SqlSession::NotFoundUnlessChanged(
      s_.ModifyUnique("UPDATE servers SET name = $2, settings = $3, public_host = $4, "
                      "capacity = $5, enabled = $6 WHERE id = $1",
                      SqlParams()
                          .Int(server.id)
                          .Text(server.name)
                          .Text(ServerSettingsToJson(server.settings))
                          .Text(server.public_host)
                          .Int(server.capacity)
                          .Bool(server.enabled),
                      "server name '" + server.name + "'"),
      "server", server.id);
}

}  // namespace vpnhub::storage
