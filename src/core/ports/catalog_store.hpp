#pragma once
// The catalogue the operator keeps: locations and the VPN servers in them (ports::CatalogStore).
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// Locations and servers. Reached through StoreTx::catalog(); valid only inside the transaction
// that handed it out, not thread-safe. Errors: kUnavailable when the database cannot be reached,
// kInternal on unexpected database errors (and for a stored server whose kind or settings cannot
// be read), kFailedPrecondition for a write in a read-only transaction; method-specific codes
// are listed per method.
class CatalogStore {
 public:
  virtual ~CatalogStore() = default;

  // ---- locations
  // kAlreadyExists when the name is taken (names are unique, case-sensitive).
  virtual Result<Id> InsertLocation(const Location& location) = 0;
  // The location with this name; an empty optional when there is none.
  virtual Result<std::optional<Location>> FindLocationByName(const std::string& name) = 0;
  virtual Result<std::vector<Location>> ListLocations() = 0;  // ordered by id
  // Stores the name and enabled flag of the location location.id. kNotFound when absent,
  // kAlreadyExists when another location has the name (nothing changes then, and the
  // transaction stays usable).
  virtual Status UpdateLocation(const Location& location) = 0;

  // ---- servers
  // kAlreadyExists when the name is taken. Settings are stored as given.
  virtual Result<Id> InsertServer(const Server& server) = 0;
  // kNotFound when absent. used_slots is filled in.
  virtual Result<Server> GetServer(Id id) = 0;
  // The server as a VPN call needs it (kind, settings, host) without counting its keys:
  // used_slots is left 0, so this is one primary-key lookup however many keys the server holds.
  // kNotFound when absent.
  virtual Result<Server> GetServerToCall(Id id) = 0;
  // All servers, or those of one location, ordered by id, with used_slots filled in.
  virtual Result<std::vector<Server>> ListServers(std::optional<Id> location_id) = 0;
  // Records a health check: healthy, or one more consecutive failure. kNotFound when absent.
  virtual Status SetServerHealthy(Id server_id, bool healthy) = 0;
  // Stores the health job's view of server.id: healthy, consecutive_failures,
  // consecutive_successes, last_check_at and health_changed_at as given; nothing else changes.
  // kNotFound when absent.
  virtual Status RecordServerHealth(const Server& server) = 0;
  // Stores the name, settings, public_host, capacity and enabled flag of the server server.id;
  // its location, kind, health and keys are left as they are. kNotFound when absent,
  // kAlreadyExists when another server has the name (nothing changes then, and the transaction
  // stays usable).
  virtual Status UpdateServer(const Server& server) = 0;
  // Removes server `server_id` from every list (ListServers leaves it out; GetServer still reads
  // it, for the keys that refer to it), disables it and renames it to `new_name`, freeing its
  // name. kNotFound when absent or removed already.
  virtual Status RemoveServer(Id server_id, const std::string& new_name, Time now) = 0;
};

}  // namespace vpnhub::ports
