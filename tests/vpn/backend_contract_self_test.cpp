// The backend contract suite run against an in-memory remote that follows the contract and has
// what ss-manager lacks: a token (so that RefusedCredentialIsPermanent runs rather than skips),
// ids made by the remote and handed back through remote_data (as Outline's and AmneziaWG's are),
// keys kept over a restart, traffic counters, and a delivery that is a configuration file. It
// checks the suite itself: the cases and branches the shadowsocks instance cannot reach pass for
// a backend that keeps the contract.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"

namespace vpnhub::vpn::contract {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFakeDeadline(200);

// The remote side: keys by remote id, a token, hung or not.
struct MemoryRemote {
  std::mutex mu;
  std::condition_variable cv;
  bool hung = false;
  int next_id = 1;
  std::map<std::string, std::string> secret_by_id;  // remote id -> secret
  std::map<std::string, std::string> id_by_name;    // remote_name -> remote id
};

// A backend of kind "memory" for MemoryRemote; settings: token.
class MemoryBackend : public ports::VpnBackend {
 public:
  explicit MemoryBackend(MemoryRemote& remote) : remote_(remote) {}

  ServerKind kind() const override { return "memory"; }
  Status ValidateSettings(const Server& server) const override {
    if (!server.settings.contains("token")) return InvalidArgument("token: missing");
    return Status::Ok();
  }
  Result<std::optional<ports::KeyPortRange>> KeyPorts(const Server& server) const override {
    VPNHUB_RETURN_IF_ERROR(ValidateSettings(server));
    return std::optional<ports::KeyPortRange>();
  }
  Status CreateKey(const Server& server, const Key& key) override {
    std::unique_lock lock(remote_.mu);
    VPNHUB_RETURN_IF_ERROR(Answer(server, lock));
    if (remote_.id_by_name.contains(key.remote_name)) return Status::Ok();
    const std::string id = std::to_string(remote_.next_id++);
    remote_.id_by_name[key.remote_name] = id;
    remote_.secret_by_id[id] = key.secret;
    return Status::Ok();
  }
  Result<std::string> FetchRemoteData(const Server& server, const Key& key) override {
    std::unique_lock lock(remote_.mu);
    VPNHUB_RETURN_IF_ERROR(Answer(server, lock));
    auto it = remote_.id_by_name.find(key.remote_name);
    if (it == remote_.id_by_name.end()) return NotFound("no key " + key.remote_name);
    return "id=" + it->second;
  }
  Status DeleteKey(const Server& server, const Key& key) override {
    std::unique_lock lock(remote_.mu);
    VPNHUB_RETURN_IF_ERROR(Answer(server, lock));
    auto it = remote_.id_by_name.find(key.remote_name);
    if (it == remote_.id_by_name.end()) return Status::Ok();
    remote_.secret_by_id.erase(it->second);
    remote_.id_by_name.erase(it);
    return Status::Ok();
  }
  Result<std::vector<ports::RemoteKey>> ListKeys(const Server& server) override {
    std::unique_lock lock(remote_.mu);
    VPNHUB_RETURN_IF_ERROR(Answer(server, lock));
    std::vector<ports::RemoteKey> out;
    for (const auto& [id, secret] : remote_.secret_by_id) out.push_back({id, secret});
    return out;
  }
  Status Ping(const Server& server) override {
    std::unique_lock lock(remote_.mu);
    return Answer(server, lock);
  }
  Result<std::optional<std::vector<ports::KeyTraffic>>> Traffic(const Server& server) override {
    std::unique_lock lock(remote_.mu);
    VPNHUB_RETURN_IF_ERROR(Answer(server, lock));
    std::vector<ports::KeyTraffic> out;
    for (const auto& [id, secret] : remote_.secret_by_id) out.push_back({id, 1000});
    return std::optional(std::move(out));
  }
  std::string NewSecret(ports::SecretSource& secrets) const override { return secrets.Token(16); }
  Result<ports::KeyDelivery> Delivery(const Server& server, const Key& key,
                                      const std::string& name) const override {
    VPNHUB_RETURN_IF_ERROR(ValidateSettings(server));
    if (key.remote_data.empty()) return InvalidArgument("key has no remote data");
    ports::KeyDelivery d;
    d.config_name = "memory.conf";
    d.config = "# " + name + "\n[Peer]\nKey = " + key.secret + "\n" + key.remote_data + "\n";
    d.qr_text = d.config;
    return d;
  }

 private:
  // What the remote answers before doing anything: nothing until the deadline while hung, a
  // refusal for a wrong token.
  Status Answer(const Server& server, std::unique_lock<std::mutex>& lock) const {
    if (remote_.cv.wait_for(lock, kFakeDeadline, [&] { return !remote_.hung; }) == false) {
      return DeadlineExceeded("memory remote did not answer");
    }
    auto token = server.settings.find("token");
    if (token == server.settings.end() || token->second != "right") {
      return {StatusCode::kPermissionDenied, "memory remote: wrong token"};
    }
    return Status::Ok();
  }

  MemoryRemote& remote_;
};

class MemoryHarness : public Harness {
 public:
  ports::VpnBackend& backend() override { return backend_; }
  Server server() override {
    Server s;
    s.id = 3;
    s.kind = "memory";
    s.name = "memory-1";
    s.public_host = "vpn.example.com";
    s.capacity = 5;
    s.settings = {{"token", "right"}};
    return s;
  }
  Key NewKey(int slot) override {
    Key k;
    k.id = 50 + (++made_);
    k.slot = slot;
    k.secret = backend_.NewSecret(secrets_);
    k.remote_name = "vpnhub-mem-" + std::to_string(k.id);
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = server();
    s.settings["token"] = "wrong";
    return s;
  }
  void Hang() override {
    std::lock_guard lock(remote_.mu);
    remote_.hung = true;
  }
  void Unhang() override {
    {
      std::lock_guard lock(remote_.mu);
      remote_.hung = false;
    }
    remote_.cv.notify_all();
  }
  void RestartRemote() override {}  // the keys live in memory: a restart keeps them all
  bool RestartKeepsKeys() const override { return true; }

 private:
  MemoryRemote remote_;
  MemoryBackend backend_{remote_};
  fakes::FakeSecrets secrets_;
  int made_ = 0;
};

VPNHUB_BACKEND_CONTRACT(MemoryContract, [] { return std::make_unique<MemoryHarness>(); });

}  // namespace
}  // namespace vpnhub::vpn::contract
