#pragma once
// Admin use cases for locations and servers. Every text an operator gives goes through
// core/text_rules.hpp and core/host_rules.hpp here, whichever entry point (CLI, admin tools)
// calls.
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"

namespace vpnhub::usecases {

// What `EditServer` changes; unset fields stay as they are.
struct ServerEdit {
  std::optional<std::string> name;
  std::optional<std::string> public_host;
  std::optional<int> capacity;
  ServerSettings settings;  // settings to set (e.g. port_from, port_to); the others are kept
};

class Catalog {
 public:
  Catalog(ports::Store& store, const Backends& backends, const ports::Clock& clock)
      : store_(store), backends_(backends), clock_(clock) {}

  // kInvalidArgument for a name CheckName refuses ("location name ..."), kAlreadyExists for a
  // taken one.
  Result<Location> AddLocation(const std::string& name);
  Result<std::vector<Location>> ListLocations();
  // Renames location `old_name`; its servers and keys stay with it. kNotFound for an unknown
  // location, kInvalidArgument for a new name CheckName refuses, kAlreadyExists when another
  // location has it.
  Result<Location> RenameLocation(const std::string& old_name, const std::string& new_name);
  // A disabled location gets no new keys (people are not offered it; `Issue` refuses it); the
  // keys it has keep working, are renewed and expire as before. Idempotent. kNotFound for an
  // unknown location.
  Result<Location> SetLocationEnabled(const std::string& name, bool enabled);

  // `server.location_id` is ignored; the location is found by name (kNotFound when unknown).
  // kInvalidArgument names the bad field: the server name (CheckName; empty = "LOCATION-HOST"),
  // the public host (CheckHost: a host name, IPv4 or IPv6 literal), a setting (CheckText, then
  // the kind's backend), a capacity below 1. kAlreadyExists for a taken name, or when the
  // server's key ports overlap another server's on the same endpoint (same ss-manager, however
  // its loopback or IP address is spelled), naming that server.
  Result<Server> AddServer(const std::string& location_name, Server server);
  Result<std::vector<Server>> ListServers();
  // Changes a server under AddServer's rules, and keeps every key that holds a slot working:
  // kFailedPrecondition when the new capacity is below the highest slot in use + 1, or when the
  // key port range would move a port in use (while keys hold slots its first port and endpoint
  // stay, and its last port stays at or above the highest port in use). kNotFound for an
  // unknown server. Returns the server as stored.
  Result<Server> EditServer(Id server_id, const ServerEdit& edit);
  // A disabled server gets no new keys; its keys keep working, are revoked and expire as
  // before. Idempotent. kNotFound for an unknown server.
  Result<Server> SetServerEnabled(Id server_id, bool enabled);

 private:
  // The texts, capacity and settings of `server` as AddServer requires them (no store access).
  Status CheckServer(const Server& server) const;
  // kAlreadyExists naming the first of `others` whose key ports collide with `server`'s.
  Status CheckPortsFree(const Server& server, const std::vector<Server>& others) const;

  ports::Store& store_;
  const Backends& backends_;
  const ports::Clock& clock_;
};

}  // namespace vpnhub::usecases
