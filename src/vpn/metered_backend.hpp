#pragma once
// A VpnBackend wrapper that measures the calls that reach the VPN server:
//   vpnhub_backend_call_duration_seconds{kind,op}    histogram (metrics::LatencyBuckets())
//   vpnhub_backend_call_errors_total{kind,op,code}   counter, code = StatusCodeName
// for op in create_key, delete_key, list_keys, ping. Every (op, code) series is made at
// construction with value 0 (code: every StatusCode but ok). ValidateSettings, KeyPorts, NewSecret
// and Delivery do no I/O and pass straight through. Thread-safe when the wrapped backend is.
#include <array>
#include <string>
#include <vector>

#include "core/ports/vpn_backend.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::vpn {

class MeteredBackend : public ports::VpnBackend {
 public:
  // Neither is owned; both must outlive this object.
  MeteredBackend(ports::VpnBackend& inner, metrics::Registry& registry);

  ServerKind kind() const override { return inner_.kind(); }
  Status ValidateSettings(const Server& server) const override;
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override {
    return inner_.KeyPorts(server);
  }
  Status CreateKey(const Server& server, const Key& key) override;
  Status DeleteKey(const Server& server, const Key& key) override;
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override;
  Status Ping(const Server& server) override;
  std::string NewSecret(ports::SecretSource& secrets) const override {
    return inner_.NewSecret(secrets);
  }
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override {
    return inner_.Delivery(server, key, name);
  }

 private:
  enum Op { kCreateKey, kDeleteKey, kListKeys, kPing, kOpCount };
  static constexpr std::size_t kCodeCount = static_cast<std::size_t>(StatusCode::kInternal) + 1;

  template <typename Fn>
  auto Measure(Op op, Fn&& fn);
  void Record(Op op, double seconds, const Status& status);

  ports::VpnBackend& inner_;
  metrics::Registry& registry_;
  std::string kind_name_;
  std::array<metrics::Histogram*, kOpCount> durations_{};
  // By op and StatusCode (index 0, kOk, stays null); filled by the constructor.
  std::array<std::array<metrics::Counter*, kCodeCount>, kOpCount> errors_{};
};

}  // namespace vpnhub::vpn
