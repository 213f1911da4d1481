#include "core/usecases/catalog.hpp"

#include "core/host_rules.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::usecases {
namespace {

// The longest setting value (a host:port with a 253-character host fits).
constexpr std::size_t kMaxSettingChars = 255;

Result<Location> FindLocation(ports::StoreTx& tx, const std::string& name) {
  VPNHUB_ASSIGN_OR_RETURN(auto loc, tx.catalog().FindLocationByName(name));
  if (!loc.has_value()) return NotFound("unknown location " + Quoted(name));
  return *loc;
}

Result<Server> FindServer(ports::StoreTx& tx, Id server_id) {
  return Explained(tx.catalog().GetServer(server_id), StatusCode::kNotFound,
                   "unknown server " + std::to_string(server_id));
}

std::string Endpoint(const ports::KeyPortRange& r) {
  const bool v6 = r.endpoint_host.find(':') != std::string::npos;
  return (v6 ? "[" + r.endpoint_host + "]" : r.endpoint_host) + ":" +
         std::to_string(r.endpoint_port);
}

std::string Ports(const ports::KeyPortRange& r) {
  return std::to_string(r.first) + "-" + std::to_string(r.last);
}

}  // namespace

Result<Location> Catalog::AddLocation(const std::string& name) {
  VPNHUB_RETURN_IF_ERROR(CheckName("location name", name));
  Location loc{0, name, true};
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(loc.id,
                            Explained(tx.catalog().InsertLocation(loc), StatusCode::kAlreadyExists,
                                      "location " + Quoted(name) + " exists already"));
    return Status::Ok();
  }));
  return loc;
}

Result<std::vector<Location>> Catalog::ListLocations() {
  std::vector<Location> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.catalog().ListLocations());
    out = std::move(r);
    return Status::Ok();
  }));
  return out;
}

Result<Location> Catalog::RenameLocation(const std::string& old_name, const std::string& new_name) {
  VPNHUB_RETURN_IF_ERROR(CheckName("new location name", new_name));
  Location loc;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto found, FindLocation(tx, old_name));
    loc = found;
    if (loc.name == new_name) return Status::Ok();
    loc.name = new_name;
    Status updated = tx.catalog().UpdateLocation(loc);
    if (updated.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("location " + Quoted(new_name) + " exists already");
    }
    return updated;
  }));
  return loc;
}

Result<Location> Catalog::SetLocationEnabled(const std::string& name, bool enabled) {
  Location loc;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto found, FindLocation(tx, name));
    loc = found;
    if (loc.enabled == enabled) return Status::Ok();
    loc.enabled = enabled;
    return tx.catalog().UpdateLocation(loc);
  }));
  return loc;
}

Status Catalog::CheckServer(const Server& server) const {
  if (server.capacity <= 0) {
    return InvalidArgument("capacity must be a positive number of keys, got " +
                           std::to_string(server.capacity));
  }
  VPNHUB_RETURN_IF_ERROR(CheckHost("public host", server.public_host));
  for (const auto& [name, value] : server.settings) {
    VPNHUB_RETURN_IF_ERROR(
        CheckText(server.kind + " setting \"" + name + "\"", value, kMaxSettingChars));
  }
  VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(server.kind));
  VPNHUB_RETURN_IF_ERROR(backend->ValidateSettings(server));
  return CheckName("server name", server.name);
}

Status Catalog::CheckPortsFree(const Server& server, const std::vector<Server>& others) const {
  VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(server.kind));
  VPNHUB_ASSIGN_OR_RETURN(auto mine, backend->KeyPorts(server));
  if (!mine.has_value()) return Status::Ok();
  const ports::KeyPortRange& a = *mine;
  for (const Server& other : others) {
    if (other.id == server.id) continue;
    auto other_backend = backends_.For(other.kind);
    if (!other_backend.ok()) continue;
    // A server whose own settings are unreadable cannot be compared; it takes no new keys either.
    auto theirs = (*other_backend)->KeyPorts(other);
    if (!theirs.ok() || !theirs->has_value()) continue;
    const ports::KeyPortRange& b = **theirs;
    if (!SameEndpoint(a.endpoint_host, a.endpoint_port, b.endpoint_host, b.endpoint_port)) continue;
    if (a.first > b.last || b.first > a.last) continue;
    return AlreadyExists("ports " + Ports(a) + " on " + Endpoint(a) + " overlap ports " + Ports(b) +
                         " of server " + Quoted(other.name) + " (id " + std::to_string(other.id) +
                         ") on the same endpoint " + Endpoint(b) +
                         ": two servers would hand out the same port; give each its own range");
  }
  return Status::Ok();
}

Result<Server> Catalog::AddServer(const std::string& location_name, Server server) {
  VPNHUB_RETURN_IF_ERROR(CheckName("location name", location_name));
  if (server.name.empty()) server.name = location_name + "-" + server.public_host;
  VPNHUB_RETURN_IF_ERROR(CheckServer(server));
  server.created_at = clock_.Now();
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto loc, FindLocation(tx, location_name));
    server.location_id = loc.id;
    VPNHUB_ASSIGN_OR_RETURN(auto others, tx.catalog().ListServers(std::nullopt));
    VPNHUB_RETURN_IF_ERROR(CheckPortsFree(server, others));
    VPNHUB_ASSIGN_OR_RETURN(server.id,
                            Explained(tx.catalog().InsertServer(server), StatusCode::kAlreadyExists,
                                      "server " + Quoted(server.name) + " exists already"));
    return Status::Ok();
  }));
  return server;
}

Result<std::vector<Server>> Catalog::ListServers() {
  std::vector<Server> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.catalog().ListServers(std::nullopt));
    out = std::move(r);
    return Status::Ok();
  }));
  return out;
}

Result<Server> Catalog::EditServer(Id server_id, const ServerEdit& edit) {
  Server next;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto current, FindServer(tx, server_id));
    next = current;
    if (edit.name) next.name = *edit.name;
    if (edit.public_host) next.public_host = *edit.public_host;
    if (edit.capacity) next.capacity = *edit.capacity;
    for (const auto& [name, value] : edit.settings) next.settings[name] = value;
    VPNHUB_RETURN_IF_ERROR(CheckServer(next));

    VPNHUB_ASSIGN_OR_RETURN(auto held, tx.keys().HeldSlots(server_id));
    if (!held.empty()) {
      const int highest = held.back();
      const std::string in_use =
          std::to_string(held.size()) + " keys hold slots up to slot " + std::to_string(highest);
      if (next.capacity < highest + 1) {
        return FailedPrecondition(
            "capacity " + std::to_string(next.capacity) + " is below the slots in use: " + in_use +
            ", so the capacity must be at least " + std::to_string(highest + 1));
      }
      VPNHUB_ASSIGN_OR_RETURN(auto backend, backends_.For(next.kind));
      auto before = backend->KeyPorts(current);
      VPNHUB_ASSIGN_OR_RETURN(auto after, backend->KeyPorts(next));
      if (before.ok() && before->has_value() && after.has_value()) {
        const ports::KeyPortRange& b = **before;
        const ports::KeyPortRange& a = *after;
        if (!SameEndpoint(a.endpoint_host, a.endpoint_port, b.endpoint_host, b.endpoint_port)) {
          return FailedPrecondition("the endpoint cannot move from " + Endpoint(b) + " while " +
                                    in_use);
        }
        if (a.first != b.first) {
          return FailedPrecondition(
              "the port range must keep its first port " + std::to_string(b.first) + " while " +
              in_use + " (slot N listens on port " + std::to_string(b.first) + " + N)");
        }
        if (a.last < b.first + highest) {
          return FailedPrecondition("the port range must reach port " +
                                    std::to_string(b.first + highest) + ", the highest in use (" +
                                    in_use + ")");
        }
      }
    }
    VPNHUB_ASSIGN_OR_RETURN(auto others, tx.catalog().ListServers(std::nullopt));
    VPNHUB_RETURN_IF_ERROR(CheckPortsFree(next, others));
    Status updated = tx.catalog().UpdateServer(next);
    if (updated.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("server " + Quoted(next.name) + " exists already");
    }
    return updated;
  }));
  return next;
}

Result<Server> Catalog::SetServerEnabled(Id server_id, bool enabled) {
  Server server;
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto current, FindServer(tx, server_id));
    server = current;
    if (server.enabled == enabled) return Status::Ok();
    server.enabled = enabled;
    return tx.catalog().UpdateServer(server);
  }));
  return server;
}

}  // namespace vpnhub::usecases
