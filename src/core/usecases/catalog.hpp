#pragma once
// Admin use cases for locations and servers.
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"

namespace vpnhub::usecases {

class Catalog {
 public:
  Catalog(ports::Store& store, const Backends& backends, const ports::Clock& clock)
      : store_(store), backends_(backends), clock_(clock) {}

  // kInvalidArgument for an empty or over-long name, kAlreadyExists for a taken one.
  Result<Location> AddLocation(const std::string& name);
  Result<std::vector<Location>> ListLocations();

  // `server.location_id` is ignored; the location is found by name (kNotFound when unknown).
  // Settings are checked by the kind's backend (kInvalidArgument names the bad one).
  Result<Server> AddServer(const std::string& location_name, Server server);
  Result<std::vector<Server>> ListServers();

 private:
  ports::Store& store_;
  const Backends& backends_;
  const ports::Clock& clock_;
};

}  // namespace vpnhub::usecases
