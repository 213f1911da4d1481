#include "vpn/gated_backend.hpp"

#include <algorithm>

namespace vpnhub::vpn {

class GatedBackend::Slot {
 public:
  Slot(GatedBackend& gate, Id server_id) : gate_(gate), server_id_(server_id) {
    std::unique_lock lock(gate_.mu_);
    int& n = gate_.in_flight_[server_id_];
    if (n >= gate_.limit_) {
      gate_.waits_.Inc();
      gate_.cv_.wait(lock, [&] { return gate_.in_flight_[server_id_] < gate_.limit_; });
    }
    ++gate_.in_flight_[server_id_];
  }
  ~Slot() {
    {
      std::lock_guard lock(gate_.mu_);
      if (--gate_.in_flight_[server_id_] == 0) gate_.in_flight_.erase(server_id_);
    }
    gate_.cv_.notify_all();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  GatedBackend& gate_;
  Id server_id_;
};

GatedBackend::GatedBackend(ports::VpnBackend& inner, int per_server_limit,
                           metrics::Registry& registry)
    : ForwardingBackend(inner),
      limit_(std::max(1, per_server_limit)),
      waits_(registry.GetCounter(
          "vpnhub_backend_call_waits_total",
          "VPN calls that waited for a free slot (WORKER_PER_SERVER calls already in flight to "
          "their server)")) {}

Status GatedBackend::CreateKey(const Server& server, const Key& key) {
  Slot slot(*this, server.id);
  return inner_.CreateKey(server, key);
}

Result<std::string> GatedBackend::FetchRemoteData(const Server& server, const Key& key) {
  Slot slot(*this, server.id);
  return inner_.FetchRemoteData(server, key);
}

Result<std::optional<std::vector<ports::KeyTraffic>>> GatedBackend::Traffic(const Server& server) {
  Slot slot(*this, server.id);
  return inner_.Traffic(server);
}

Status GatedBackend::UpdateKey(const Server& server, const Key& key) {
  Slot slot(*this, server.id);
  return inner_.UpdateKey(server, key);
}

Status GatedBackend::DeleteKey(const Server& server, const Key& key) {
  Slot slot(*this, server.id);
  return inner_.DeleteKey(server, key);
}

Status GatedBackend::DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) {
  Slot slot(*this, server.id);
  return inner_.DeleteRemoteKey(server, remote);
}

Result<std::vector<ports::RemoteKey>> GatedBackend::ListKeys(const Server& server) {
  Slot slot(*this, server.id);
  return inner_.ListKeys(server);
}

Status GatedBackend::Ping(const Server& server) {
  Slot slot(*this, server.id);
  return inner_.Ping(server);
}

int GatedBackend::InFlight(Id server_id) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(server_id);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace vpnhub::vpn
