// The backend contract suite (backend_contract.hpp) for the remnawave kind, against the fake
// Remnawave panel (tests/servers/remnawave/fake_remnawave.py, backed by a real v2ray), a fresh
// one per test. Hung through /_control/hang (requests accepted, never answered) and answering
// again on /_control/unhang; restarted as a new process on the same port with the same state, so
// users survive a restart as the panel's database keeps them. The refused credential is another
// API token (401).
#include <memory>
#include <optional>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/fake_remnawave_process.hpp"
#include "vpn/remnawave/remnawave_backend.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

RemnawaveOptions ContractOptions() {
  RemnawaveOptions o;
  o.call_deadline = contract::kMaxCallDeadline;
  return o;
}

class RemnawaveHarness : public contract::Harness {
 public:
  RemnawaveHarness() : fake_(), backend_(ContractOptions()) {}
  ~RemnawaveHarness() override {
    if (hung_) fake_.Unhang();
  }

  ports::VpnBackend& backend() override { return backend_; }
  Server server() override { return fake_.server(); }
  Key NewKey(int slot) override {
    Key k;
    k.id = 100 + (++keys_made_);
    k.user_id = 42;
    k.server_id = 1;
    k.slot = slot;
    k.secret = backend_.NewSecret(secrets_);
    k.remote_name = "vpnhub-42-contract" + std::to_string(k.id);
    k.expires_at = Time{std::chrono::milliseconds(1798859045678)};
    k.state = KeyState::kPending;
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = fake_.server();
    s.settings["token"] = "not-the-panel-token";
    return s;
  }
  void Hang() override {
    fake_.Hang();
    hung_ = true;
  }
  void Unhang() override {
    fake_.Unhang();
    hung_ = false;
  }
  void RestartRemote() override { fake_.Restart(); }
  bool RestartKeepsKeys() const override { return true; }

 private:
  test::FakeRemnawave fake_;
  RemnawaveBackend backend_;
  fakes::FakeSecrets secrets_;
  int keys_made_ = 0;
  bool hung_ = false;
};

void SkipWithoutTools(const std::string& missing) { GTEST_SKIP() << "skipped: " << missing; }

std::unique_ptr<contract::Harness> MakeRemnawaveHarness() {
  const std::string missing = test::FakeRemnawaveMissing();
  if (!missing.empty()) {
    SkipWithoutTools(missing);
    return nullptr;
  }
  return std::make_unique<RemnawaveHarness>();
}

VPNHUB_BACKEND_CONTRACT(RemnawaveContract, MakeRemnawaveHarness);

}  // namespace
}  // namespace vpnhub::vpn::remnawave
