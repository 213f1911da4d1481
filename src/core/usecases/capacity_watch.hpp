#pragma once
// Capacity alerts (issue 17 §3): when the keys of a location hold more than `percent` of the
// slots of its healthy, enabled servers, the admins get one alert (RaiseAlert, throttled per
// location like every alert); once the location is back at or under the mark, passing it again
// alerts again.
#include <set>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/notices.hpp"

namespace vpnhub::usecases {

struct LocationLoad {
  Id location_id = 0;
  std::string name;
  int used = 0;      // slots held by keys on every server of the location
  int capacity = 0;  // slots of its healthy, enabled servers
};

// Whether `load` is past `percent` % of its capacity (a location with keys and no healthy
// capacity is).
bool OverCapacity(const LocationLoad& load, int percent);

// Thread notes: Check from one thread at a time (the health job's round).
class CapacityWatch {
 public:
  // `alerts` may be null: loads are still computed, nobody is told.
  CapacityWatch(ports::Store& store, const AlertPolicy* alerts, const ports::Clock& clock,
                int percent = 90)
      : store_(store), alerts_(alerts), clock_(clock), percent_(percent) {}

  // Reads every location's load (one read transaction) and, for each location that passed the
  // mark since the last Check saw it at or under it (or since this process started), raises
  // the alert "capacity:<location id>" in a write transaction. Returns the loads, by location
  // id. The memory of which locations are over is this object's: a restarted process alerts
  // once more for a location still over (unless the alert's cooldown holds it back).
  Result<std::vector<LocationLoad>> Check();

 private:
  ports::Store& store_;
  const AlertPolicy* alerts_;
  const ports::Clock& clock_;
  int percent_;
  std::set<Id> over_;  // locations alerted for (or tried) since they passed the mark
};

}  // namespace vpnhub::usecases
