#pragma once
// ForwardingBackend: a VpnBackend that passes every call to another one. The wrappers the
// backend factory stacks (MeteredBackend, GatedBackend) derive from it and override only the
// calls that reach the VPN server; ValidateSettings, KeyPorts, NewSecret and Delivery do no I/O
// and pass straight through. Thread-safe when the wrapped backend is.
#include "core/ports/vpn_backend.hpp"

namespace vpnhub::vpn {

class ForwardingBackend : public ports::VpnBackend {
 public:
  ServerKind kind() const override { return inner_.kind(); }
  Status ValidateSettings(const Server& server) const override {
    return inner_.ValidateSettings(server);
  }
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override {
    return inner_.KeyPorts(server);
  }
  Status CreateKey(const Server& server, const Key& key) override {
    return inner_.CreateKey(server, key);
  }
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override {
    return inner_.FetchRemoteData(server, key);
  }
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override {
    return inner_.Traffic(server);
  }
  Status UpdateKey(const Server& server, const Key& key) override {
    return inner_.UpdateKey(server, key);
  }
  Status DeleteKey(const Server& server, const Key& key) override {
    return inner_.DeleteKey(server, key);
  }
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override {
    return inner_.ListKeys(server);
  }
  Status Ping(const Server& server) override { return inner_.Ping(server); }
  std::optional<std::string> RemoteIdOf(const Server& server, const Key& key) const override {
    return inner_.RemoteIdOf(server, key);
  }
  bool IsOurRemoteKey(const Server& server, const ports::RemoteKey& remote) const override {
    return inner_.IsOurRemoteKey(server, remote);
  }
  bool SameCredential(const Key& key, const ports::RemoteKey& remote) const override {
    return inner_.SameCredential(key, remote);
  }
  Status DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) override {
    return inner_.DeleteRemoteKey(server, remote);
  }
  std::string NewSecret(ports::SecretSource& secrets) const override {
    return inner_.NewSecret(secrets);
  }
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override {
    return inner_.Delivery(server, key, name);
  }

 protected:
  // `inner` is not owned and must outlive this object.
  explicit ForwardingBackend(ports::VpnBackend& inner) : inner_(inner) {}

  ports::VpnBackend& inner_;
};

}  // namespace vpnhub::vpn
