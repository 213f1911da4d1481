#pragma once
// The one in-memory VPN backend of the tests and benchmarks: it keeps the keys it is given,
// counts the calls that would reach a server, and fails, waits or runs a hook on them when told
// to. Thread-safe.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "core/ports/vpn_backend.hpp"

namespace vpnhub::fakes {

class FakeBackend : public ports::VpnBackend {
 public:
  enum class Call { kCreateKey, kDeleteKey };
  // Runs at the start of every CreateKey and DeleteKey, before the delay and the failure, on the
  // caller's thread (e.g. to move a fake clock, to block, to stamp the time).
  using Hook = std::function<void(Call, const Server&, const Key&)>;

  // Serves servers of `kind` (a test server row's kind must match it).
  explicit FakeBackend(ServerKind kind = "shadowsocks") : kind_(std::move(kind)) {}

  ServerKind kind() const override { return kind_; }
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
  Status CreateKey(const Server& server, const Key& key) override {
    return Perform(Call::kCreateKey, server, key);
  }
  // Empty unless SetRemoteData was called: then the prefix and the key's remote name (what a
  // server that makes part of the credential would hand back), or the failure set for it.
  Result<std::string> FetchRemoteData(const Server&, const Key& key) override {
    std::lock_guard lock(mu_);
    ++fetches_;
    if (!fail_fetch_with_.ok()) return fail_fetch_with_;
    return remote_data_prefix_.empty() ? std::string() : remote_data_prefix_ + key.remote_name;
  }
  Status DeleteKey(const Server& server, const Key& key) override {
    return Perform(Call::kDeleteKey, server, key);
  }
  // Records the expiry the key carries (what a panel would set), unless the failure set for it.
  Status UpdateKey(const Server&, const Key& key) override {
    std::lock_guard lock(mu_);
    ++updates_;
    if (!fail_with_.ok()) return fail_with_;
    updated_expiry_[key.id] = key.expires_at;
    return Status::Ok();
  }
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server&) override {
    std::lock_guard lock(mu_);
    ++lists_;
    if (!fail_list_with_.ok()) return fail_list_with_;
    std::vector<ports::RemoteKey> out;
    for (const auto& [name, secret] : keys_) out.push_back({name, secret});
    return out;
  }
  // Reconciliation: a key's remote id is its remote name; every listed key whose remote id does
  // not start with the prefix SetForeignPrefix set is the hub's; the credential is the secret.
  std::optional<std::string> RemoteIdOf(const Server&, const Key& key) const override {
    return key.remote_name;
  }
  bool IsOurRemoteKey(const Server&, const ports::RemoteKey& remote) const override {
    std::lock_guard lock(mu_);
    return foreign_prefix_.empty() || remote.remote_id.rfind(foreign_prefix_, 0) != 0;
  }
  bool SameCredential(const Key& key, const ports::RemoteKey& remote) const override {
    return key.secret == remote.secret;
  }
  // Removes the remote key while it holds remote.secret (counted in remote_deletes()).
  Status DeleteRemoteKey(const Server&, const ports::RemoteKey& remote) override {
    std::lock_guard lock(mu_);
    ++remote_deletes_;
    if (!fail_with_.ok()) return fail_with_;
    auto it = keys_.find(remote.remote_id);
    if (it != keys_.end() && it->second == remote.secret) keys_.erase(it);
    return Status::Ok();
  }
  // Something else than the hub changes the server: a key appears / the server forgets all.
  void Plant(const std::string& remote_id, const std::string& secret) {
    std::lock_guard lock(mu_);
    keys_[remote_id] = secret;
  }
  void ForgetAll() {
    std::lock_guard lock(mu_);
    keys_.clear();
  }
  void SetForeignPrefix(std::string prefix) {
    std::lock_guard lock(mu_);
    foreign_prefix_ = std::move(prefix);
  }
  // CreateKey on a remote name held with another secret is kAlreadyExists (as shadowsocks does
  // for a port running another password) instead of replacing it.
  void RefuseTakenPlaces(bool refuse) { refuse_taken_ = refuse; }
  int remote_deletes() const {
    std::lock_guard lock(mu_);
    return remote_deletes_;
  }
  int list_calls() const {
    std::lock_guard lock(mu_);
    return lists_;
  }
  // Fails ListKeys with `st` from now on (Ok: it works again).
  void FailListWith(Status st) {
    std::lock_guard lock(mu_);
    fail_list_with_ = std::move(st);
  }
  // Ok, or what the hook set by SetPingHook returns (run on the caller's thread: it may block).
  Status Ping(const Server& server) override {
    std::function<Status(const Server&)> hook;
    {
      std::lock_guard lock(mu_);
      hook = ping_hook_;
    }
    return hook ? hook(server) : Status::Ok();
  }
  void SetPingHook(std::function<Status(const Server&)> hook) {
    std::lock_guard lock(mu_);
    ping_hook_ = std::move(hook);
  }
  // The prefix (SetSecretPrefix, none by default) and 22 characters from `secrets`.
  std::string NewSecret(ports::SecretSource& secrets) const override {
    return secret_prefix_ + secrets.Token(22);
  }
  // The link "fake://REMOTE_NAME@PUBLIC_HOST#NAME" (with "?data=REMOTE_DATA" before the '#' when
  // the key has remote data), and a QR code of it. After DeliverConfigFile: no link but the file
  // FakeConfig(...) named `file_name`, and a QR code of the file.
  Result<ports::KeyDelivery> Delivery(const Server& s, const Key& k,
                                      const std::string& name) const override {
    ports::KeyDelivery out;
    if (!config_file_name_.empty()) {
      out.config_name = config_file_name_;
      out.config = FakeConfig(s, k, name);
      out.qr_text = out.config;
      return out;
    }
    out.link = "fake://" + k.remote_name + "@" + s.public_host +
               (k.remote_data.empty() ? "" : "?data=" + k.remote_data) + "#" + name;
    out.qr_text = out.link;
    return out;
  }
  // The configuration file a DeliverConfigFile backend hands out: a WireGuard-like .conf naming
  // the key, the server and the display name.
  static std::string FakeConfig(const Server& s, const Key& k, const std::string& name) {
    return "# " + name + "\n[Interface]\nPrivateKey = " + k.secret +
           "\n\n[Peer]\nEndpoint = " + s.public_host + ":51820\n# remote " + k.remote_name + "\n";
  }

  // Keys are delivered as a configuration file named `file_name` (as a WireGuard kind does)
  // instead of a link. Set before the calls start.
  void DeliverConfigFile(std::string file_name) { config_file_name_ = std::move(file_name); }

  // Set before the calls start.
  void OnCall(Hook hook) { hook_ = std::move(hook); }
  void SetSecretPrefix(std::string prefix) { secret_prefix_ = std::move(prefix); }
  // FetchRemoteData hands back `prefix` + the key's remote name from now on.
  void SetRemoteData(std::string prefix) {
    std::lock_guard lock(mu_);
    remote_data_prefix_ = std::move(prefix);
  }
  // FetchRemoteData fails with `st` from now on (Ok: it works again).
  void FailFetchWith(Status st) {
    std::lock_guard lock(mu_);
    fail_fetch_with_ = std::move(st);
  }
  int fetches() const {
    std::lock_guard lock(mu_);
    return fetches_;
  }
  // Every CreateKey and DeleteKey takes this long first (a slow VPN server).
  void SetDelay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }
  // Every CreateKey and DeleteKey fails with `st` from now on (Ok: they work again).
  void FailWith(Status st) {
    std::lock_guard lock(mu_);
    fail_with_ = std::move(st);
  }

  // Whether the server holds a key of this remote name now.
  bool Has(const std::string& remote_name) const {
    std::lock_guard lock(mu_);
    return keys_.count(remote_name) > 0;
  }
  // CreateKey / DeleteKey calls, failed ones included.
  int creates() const {
    std::lock_guard lock(mu_);
    return creates_;
  }
  int deletes() const {
    std::lock_guard lock(mu_);
    return deletes_;
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return creates_ + deletes_;
  }
  // UpdateKey calls, failed ones included, and the expiry the last successful one set per key.
  int updates() const {
    std::lock_guard lock(mu_);
    return updates_;
  }
  std::map<Id, Time> updated_expiry() const {
    std::lock_guard lock(mu_);
    return updated_expiry_;
  }
  // Successful CreateKey / DeleteKey calls by key id: what reached the server.
  std::map<Id, int> created_keys() const {
    std::lock_guard lock(mu_);
    return created_keys_;
  }
  std::map<Id, int> deleted_keys() const {
    std::lock_guard lock(mu_);
    return deleted_keys_;
  }

 private:
  Status Perform(Call call, const Server& server, const Key& key) {
    if (hook_) hook_(call, server, key);
    if (const int ms = delay_ms_.load(); ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    std::lock_guard lock(mu_);
    ++(call == Call::kCreateKey ? creates_ : deletes_);
    if (!fail_with_.ok()) return fail_with_;
    if (call == Call::kCreateKey) {
      auto held = keys_.find(key.remote_name);
      if (refuse_taken_ && held != keys_.end() && held->second != key.secret) {
        return AlreadyExists("remote name " + key.remote_name + " holds another secret");
      }
      keys_[key.remote_name] = key.secret;
      ++created_keys_[key.id];
    } else {
      keys_.erase(key.remote_name);
      ++deleted_keys_[key.id];
    }
    return Status::Ok();
  }

  const ServerKind kind_;
  Hook hook_;
  std::string config_file_name_;
  std::string secret_prefix_;
  std::atomic<int> delay_ms_{0};
  std::function<Status(const Server&)> ping_hook_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;  // remote name -> secret
  Status fail_with_;
  std::string remote_data_prefix_;
  Status fail_fetch_with_;
  int fetches_ = 0;
  int updates_ = 0;
  std::map<Id, Time> updated_expiry_;
  int creates_ = 0;
  int deletes_ = 0;
  int remote_deletes_ = 0;
  int lists_ = 0;
  Status fail_list_with_;
  std::string foreign_prefix_;
  std::atomic<bool> refuse_taken_{false};
  std::map<Id, int> created_keys_, deleted_keys_;
};

}  // namespace vpnhub::fakes
