#include "core/usecases/catalog.hpp"

namespace vpnhub::usecases {

Result<Location> Catalog::AddLocation(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return InvalidArgument("location name must be 1 to 64 characters, got '" + name + "'");
  }
  Location loc{0, name, true};
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto id = tx.InsertLocation(loc);
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("location '" + name + "' exists already");
      }
      return id.status();
    }
    loc.id = *id;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return loc;
}

Result<std::vector<Location>> Catalog::ListLocations() {
  std::vector<Location> out;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    auto r = tx.ListLocations();
    if (!r.ok()) return r.status();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<Server> Catalog::AddServer(const std::string& location_name, Server server) {
  if (server.capacity <= 0) {
    return InvalidArgument("capacity must be a positive number of keys, got " +
                           std::to_string(server.capacity));
  }
  if (server.public_host.empty()) return InvalidArgument("public host must not be empty");
  auto backend = backends_.For(server.kind);
  if (!backend.ok()) return backend.status();
  VPNHUB_RETURN_IF_ERROR((*backend)->ValidateSettings(server));
  server.created_at = clock_.Now();
  Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
    auto loc = tx.FindLocationByName(location_name);
    if (!loc.ok()) return loc.status();
    if (!loc->has_value()) return NotFound("unknown location '" + location_name + "'");
    server.location_id = (*loc)->id;
    if (server.name.empty()) server.name = location_name + "-" + server.public_host;
    auto id = tx.InsertServer(server);
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("server '" + server.name + "' exists already");
      }
      return id.status();
    }
    server.id = *id;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return server;
}

Result<std::vector<Server>> Catalog::ListServers() {
  std::vector<Server> out;
  Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
    auto r = tx.ListServers(std::nullopt);
    if (!r.ok()) return r.status();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace vpnhub::usecases
