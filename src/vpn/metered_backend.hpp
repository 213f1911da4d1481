#pragma once
// A VpnBackend wrapper that measures the calls that reach the VPN server:
//   vpnhub_backend_call_duration_seconds{kind,op}    histogram (metrics::LatencyBuckets())
//   vpnhub_backend_call_errors_total{kind,op,code}   counter, code = StatusCodeName
// for op in create_key, delete_key, list_keys, ping, fetch_remote_data, traffic. Every (op, code)
// series is made at construction with value 0 (code: every StatusCode but ok). The calls that do no
// I/O pass straight through (ForwardingBackend). Thread-safe when the wrapped backend is.
#include <array>
#include <string>
#include <vector>

#include "metrics/registry.hpp"
#include "vpn/forwarding_backend.hpp"

namespace vpnhub::vpn {

class MeteredBackend final : public ForwardingBackend {
 public:
  // Neither is owned; both must outlive this object.
  MeteredBackend(ports::VpnBackend& inner, metrics::Registry& registry);

  Status CreateKey(const Server& server, const Key& key) override;
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override;
  Status UpdateKey(const Server& server, const Key& key) override;
  Status DeleteKey(const Server& server, const Key& key) override;
  Status DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) override;
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  Status Ping(const Server& server) override;
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override;

 private:
  enum Op {
    kCreateKey,
    kDeleteKey,
    kListKeys,
    kPing,
    kFetchRemoteData,
    kTraffic,
    kUpdateKey,
    kDeleteRemoteKey,
    kOpCount
  };
  static constexpr std::size_t kCodeCount = static_cast<std::size_t>(StatusCode::kInternal) + 1;

  template <typename Fn>
  auto Measure(Op op, Fn&& fn);
  void Record(Op op, double seconds, const Status& status);

  metrics::Registry& registry_;
  std::string kind_name_;
  std::array<metrics::Histogram*, kOpCount> durations_{};
  // By op and StatusCode (index 0, kOk, stays null); filled by the constructor.
  std::array<std::array<metrics::Counter*, kCodeCount>, kOpCount> errors_{};
};

}  // namespace vpnhub::vpn
