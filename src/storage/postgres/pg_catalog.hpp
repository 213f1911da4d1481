#pragma once
// PgCatalog: ports::CatalogStore over the connection of one PgTx: locations and servers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/catalog_store.hpp"
#include "storage/postgres/pg_port.hpp"

namespace vpnhub::storage {

class PgCatalog final : public ports::CatalogStore, private PgPort {
 public:
  using PgPort::PgPort;

  Result<Id> InsertLocation(const Location& location) override;
  Result<std::optional<Location>> FindLocationByName(const std::string& name) override;
  Result<std::vector<Location>> ListLocations() override;
  Status UpdateLocation(const Location& location) override;
  Result<Id> InsertServer(const Server& server) override;
  Result<Server> GetServer(Id id) override;
  Result<Server> GetServerToCall(Id id) override;
  Result<std::vector<Server>> ListServers(std::optional<Id> location_id) override;
  Status SetServerHealthy(Id server_id, bool healthy) override;
  Status UpdateServer(const Server& server) override;

 private:
  // The server row `sql` selects by id ($1 / ?1); kNotFound when absent.
  Result<Server> ServerById(const char* sql, Id id);
};

}  // namespace vpnhub::storage
