#include "vpn/gated_backend.hpp"

#include <algorithm>
#include <string>

namespace vpnhub::vpn {
namespace {

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace

// Takes a place for one call, or says why not (refusal()).
class GatedBackend::Slot {
 public:
  Slot(GatedBackend& gate, const Server& server, bool probe) : gate_(gate), server_(server) {
    std::unique_lock lock(gate_.mu_);
    bool waited = false;
    for (;;) {
      PerServer& s = gate_.servers_[server_.id];
      const auto now = SteadyClock::now();
      const int in_flight = static_cast<int>(s.started.size());
      if (s.stalled && !probe) {
        // One trial call at a time, now and then; the rest are refused at once.
        if (in_flight == 0 && now - s.last_trial >= gate_.options_.trial_every) {
          s.last_trial = now;
          Take(s, now);
          return;
        }
        Refuse("its last call ran out of time");
        return;
      }
      if (in_flight < gate_.options_.per_server_limit) {
        Take(s, now);
        return;
      }
      const auto patience = gate_.Patience(s);
      const auto oldest = *s.started.begin();
      if (!probe && now - oldest >= patience) {
        Refuse("its slots are full and a call to it has run for " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(now - oldest).count()) +
               " ms");
        return;
      }
      if (!waited) gate_.waits_.Inc();
      waited = true;
      if (probe) {
        gate_.cv_.wait(lock);
      } else {
        gate_.cv_.wait_until(lock, oldest + patience);
      }
    }
  }
  ~Slot() {
    if (!taken_) return;
    {
      std::lock_guard lock(gate_.mu_);
      PerServer& s = gate_.servers_[server_.id];
      s.started.erase(s.started.find(started_at_));
      if (ended_) {
        // The call that ran out of time counts as the last trial: the next one waits trial_every.
        if (deadline_exceeded_ && !s.stalled) s.last_trial = SteadyClock::now();
        s.stalled = deadline_exceeded_;
        if (!deadline_exceeded_) {
          const double ms =
              std::chrono::duration<double, std::milli>(SteadyClock::now() - started_at_).count();
          s.usual_ms = s.usual_ms < 0 ? ms : 0.8 * s.usual_ms + 0.2 * ms;
        }
      }
    }
    gate_.cv_.notify_all();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  const Status& refusal() const { return refusal_; }
  // The call's result: a deadline marks the server stalled, anything else clears it.
  void Ended(const Status& st) {
    ended_ = true;
    deadline_exceeded_ = st.code() == StatusCode::kDeadlineExceeded;
  }

 private:
  void Take(PerServer& s, SteadyClock::time_point now) {
    started_at_ = now;
    s.started.insert(now);
    taken_ = true;
  }
  void Refuse(const std::string& why) {
    gate_.refused_.Inc();
    refusal_ = Unavailable("server " + server_.name + " (#" + std::to_string(server_.id) +
                           ") is not answering (" + why + "); the call was not made");
  }

  GatedBackend& gate_;
  const Server& server_;
  bool taken_ = false;
  bool ended_ = false;
  bool deadline_exceeded_ = false;
  SteadyClock::time_point started_at_{};
  Status refusal_;
};

GatedBackend::GatedBackend(ports::VpnBackend& inner, GateOptions options,
                           metrics::Registry& registry)
    : ForwardingBackend(inner),
      options_(options),
      waits_(registry.GetCounter(
          "vpnhub_backend_call_waits_total",
          "VPN calls that waited for a free slot (WORKER_PER_SERVER calls already in flight to "
          "their server)")),
      refused_(registry.GetCounter(
          "vpnhub_backend_calls_refused_total",
          "VPN calls not made because their server was not answering (a call ran out of time, "
          "or one had been in flight too long while the server's slots were full)")) {
  options_.per_server_limit = std::max(1, options_.per_server_limit);
}

std::chrono::milliseconds GatedBackend::Patience(const PerServer& s) const {
  if (s.usual_ms < 0) return options_.first_patience;
  const auto four_times = std::chrono::milliseconds(static_cast<long>(4 * s.usual_ms));
  return std::clamp(four_times, options_.min_patience,
                    std::max(options_.min_patience, options_.stall_after));
}

template <typename Call>
auto GatedBackend::Gate(const Server& server, bool probe, Call call) -> decltype(call()) {
  Slot slot(*this, server, probe);
  if (!slot.refusal().ok()) return slot.refusal();
  auto result = call();
  slot.Ended(StatusOf(result));
  return result;
}

Status GatedBackend::CreateKey(const Server& server, const Key& key) {
  return Gate(server, false, [&] { return inner_.CreateKey(server, key); });
}

Result<std::string> GatedBackend::FetchRemoteData(const Server& server, const Key& key) {
  return Gate(server, false, [&] { return inner_.FetchRemoteData(server, key); });
}

Result<std::optional<std::vector<ports::KeyTraffic>>> GatedBackend::Traffic(const Server& server) {
  return Gate(server, false, [&] { return inner_.Traffic(server); });
}

Status GatedBackend::UpdateKey(const Server& server, const Key& key) {
  return Gate(server, false, [&] { return inner_.UpdateKey(server, key); });
}

Status GatedBackend::DeleteKey(const Server& server, const Key& key) {
  return Gate(server, false, [&] { return inner_.DeleteKey(server, key); });
}

Status GatedBackend::DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) {
  return Gate(server, false, [&] { return inner_.DeleteRemoteKey(server, remote); });
}

Result<std::vector<ports::RemoteKey>> GatedBackend::ListKeys(const Server& server) {
  return Gate(server, false, [&] { return inner_.ListKeys(server); });
}

Status GatedBackend::Ping(const Server& server) {
  return Gate(server, true, [&] { return inner_.Ping(server); });
}

int GatedBackend::InFlight(Id server_id) {
  std::lock_guard lock(mu_);
  auto it = servers_.find(server_id);
  return it == servers_.end() ? 0 : static_cast<int>(it->second.started.size());
}

bool GatedBackend::Stalled(Id server_id) {
  std::lock_guard lock(mu_);
  auto it = servers_.find(server_id);
  return it != servers_.end() && it->second.stalled;
}

}  // namespace vpnhub::vpn
