#include "core/usecases/capacity_watch.hpp"

#include <map>

#include "core/text_rules.hpp"

namespace vpnhub::usecases {

bool OverCapacity(const LocationLoad& load, int percent) {
  if (load.used == 0) return false;
  return static_cast<long long>(load.used) * 100 > static_cast<long long>(load.capacity) * percent;
}

Result<std::vector<LocationLoad>> CapacityWatch::Check() {
  std::vector<LocationLoad> loads;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    loads.clear();
    VPNHUB_ASSIGN_OR_RETURN(auto locations, tx.catalog().ListLocations());
    VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(std::nullopt));
    std::map<Id, LocationLoad> by_id;
    for (const Location& l : locations) by_id[l.id] = LocationLoad{l.id, l.name, 0, 0};
    for (const Server& s : servers) {
      auto it = by_id.find(s.location_id);
      if (it == by_id.end()) continue;
      it->second.used += s.used_slots;
      if (s.enabled && s.healthy) it->second.capacity += s.capacity;
    }
    for (auto& [id, load] : by_id) loads.push_back(load);
    return Status::Ok();
  }));
  for (const LocationLoad& load : loads) {
    if (!OverCapacity(load, percent_)) {
      over_.erase(load.location_id);
      continue;
    }
    if (!over_.insert(load.location_id).second) continue;  // alerted since it passed the mark
    if (alerts_ == nullptr || alerts_->admins.empty()) continue;
    const std::string text =
        "Location \"" + HtmlText(load.name) + "\" is at " + std::to_string(load.used) + " of " +
        std::to_string(load.capacity) + " slots of its healthy, enabled servers (over " +
        std::to_string(percent_) + " %): add a server (vpnhub server add) or capacity " +
        "(vpnhub server edit --capacity) before new keys are refused.";
    Status st = store_.Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
      return RaiseAlert(tx, *alerts_, "capacity:" + std::to_string(load.location_id), text,
                        clock_.Now())
          .status();
    });
    if (!st.ok()) {
      over_.erase(load.location_id);  // try again next check
      return st;
    }
  }
  return loads;
}

}  // namespace vpnhub::usecases
