#pragma once
// Rows the jobs tests put in the store through the ports.
#include "core/ports/store.hpp"

namespace vpnhub::jobs {

// Location "nl" and its server "nl-1" (capacity 10); the server's id.
inline Result<Id> InsertTestServer(ports::StoreTx& tx) {
  Location l;
  l.name = "nl";
  auto loc = tx.catalog().InsertLocation(l);
  if (!loc.ok()) return loc.status();
  Server s;
  s.location_id = *loc;
  s.kind = "shadowsocks";
  s.name = "nl-1";
  s.capacity = 10;
  return tx.catalog().InsertServer(s);
}

}  // namespace vpnhub::jobs
