#pragma once
// An in-memory VPN backend that counts calls and fails on demand.
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/ports/vpn_backend.hpp"

namespace vpnhub::fakes {

class FakeBackend : public ports::VpnBackend {
 public:
  ServerKind kind() const override { return ServerKind::kShadowsocks; }
  Status ValidateSettings(const Server&) const override { return Status::Ok(); }
  // A server with settings manager = "host:port", port_from and port_to takes that range on that
  // endpoint (as a shadowsocks server does); any other takes none.
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& s) const override {
    auto manager = s.settings.find("manager");
    if (manager == s.settings.end()) return std::optional<ports::KeyPortRange>();
    const std::string& m = manager->second;
    const auto colon = m.rfind(':');
    ports::KeyPortRange r;
    r.endpoint_host = m.substr(0, colon);
    r.endpoint_port = std::stoi(m.substr(colon + 1));
    r.first = std::stoi(s.settings.at("port_from"));
    r.last = std::stoi(s.settings.at("port_to"));
    return std::optional<ports::KeyPortRange>(r);
  }
  Status CreateKey(const Server&, const Key& key) override {
    if (on_call_) on_call_();
    std::lock_guard lock(mu_);
    ++creates_;
    if (!fail_with_.ok()) return fail_with_;
    keys_[key.remote_name] = key.secret;
    return Status::Ok();
  }
  Status DeleteKey(const Server&, const Key& key) override {
    if (on_call_) on_call_();
    std::lock_guard lock(mu_);
    ++deletes_;
    if (!fail_with_.ok()) return fail_with_;
    keys_.erase(key.remote_name);
    return Status::Ok();
  }
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server&) override {
    std::lock_guard lock(mu_);
    std::vector<ports::RemoteKey> out;
    for (const auto& [name, secret] : keys_) out.push_back({name, secret});
    return out;
  }
  Status Ping(const Server&) override { return Status::Ok(); }
  Result<std::string> AccessLink(const Server& s, const Key& k,
                                 const std::string& name) const override {
    return "fake://" + k.remote_name + "@" + s.public_host + "#" + name;
  }

  // Runs before every CreateKey/DeleteKey (e.g. to move a fake clock). Set before use.
  void OnCall(std::function<void()> fn) { on_call_ = std::move(fn); }
  void FailWith(Status st) {
    std::lock_guard lock(mu_);
    fail_with_ = std::move(st);
  }
  bool Has(const std::string& remote_name) const {
    std::lock_guard lock(mu_);
    return keys_.count(remote_name) > 0;
  }
  int creates() const {
    std::lock_guard lock(mu_);
    return creates_;
  }
  int deletes() const {
    std::lock_guard lock(mu_);
    return deletes_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;
  Status fail_with_;
  int creates_ = 0;
  int deletes_ = 0;
  std::function<void()> on_call_;
};

}  // namespace vpnhub::fakes
