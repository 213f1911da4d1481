// The backend contract suite (backend_contract.hpp) for the wireguard kind, against the fake node
// (tests/servers/node/fake_node.py: the `vpnhub node` HTTPS API in memory, a pinned self-signed
// certificate and a bearer token): a fresh node per test, hung by its "hang" command, restarted as
// a new process on the same port with the same certificate, token and interface key. Its peers
// live in memory, so a restart loses them, as a restart of wireguard-go does.
#include <memory>
#include <optional>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/fake_node_process.hpp"
#include "vpn/wireguard/wireguard_backend.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

class NodeHarness : public contract::Harness {
 public:
  NodeHarness() : backend_(contract::kMaxCallDeadline / 2, kDefaultDns) {}
  ~NodeHarness() override {
    if (hung_) Unhang();
  }

  ports::VpnBackend& backend() override { return backend_; }
  Server server() override { return node_.MakeServer(4); }
  Key NewKey(int slot) override {
    Key k;
    k.id = ++next_id_;
    k.server_id = 9;
    k.slot = slot;
    k.remote_name = "contract-" + std::to_string(k.id);
    k.secret = backend_.NewSecret(secrets_);
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = server();
    s.settings["token"] = "not-the-node-token";
    return s;
  }
  void Hang() override {
    hung_ = true;
    node_.Command("hang on");
  }
  void Unhang() override {
    hung_ = false;
    node_.Command("hang off");
  }
  void RestartRemote() override { node_.Restart(); }
  bool RestartKeepsKeys() const override { return false; }

 private:
  test::FakeNodeProcess node_;
  WireguardBackend backend_;
  fakes::FakeSecrets secrets_;
  Id next_id_ = 0;
  bool hung_ = false;
};

}  // namespace
}  // namespace vpnhub::vpn::wireguard

VPNHUB_BACKEND_CONTRACT(WireguardContract,
                        [] { return std::make_unique<vpnhub::vpn::wireguard::NodeHarness>(); });
