// The backend contract suite (backend_contract.hpp) for the outline kind, against the fake Outline
// server (tests/servers/outline/fake_outline.py: the management API over HTTPS with a self-signed
// certificate, backed by a real ss-manager), a fresh one per test. Hung by SIGUSR1 (connections
// accepted, never answered) and answering again on SIGUSR2; restarted as a new process on the same
// port with the same certificate, secret and state file, so keys survive a restart as Outline's do.
// The refused credential is the API's secret path: another one gets 404.
#include <memory>
#include <optional>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/fake_outline_process.hpp"
#include "vpn/outline/outline_backend.hpp"

namespace vpnhub::vpn::outline {
namespace {

class OutlineHarness : public contract::Harness {
 public:
  OutlineHarness() : fake_(), backend_(contract::kMaxCallDeadline) {}
  ~OutlineHarness() override {
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
    k.remote_name = "vpnhub-contract-" + std::to_string(k.id);
    k.state = KeyState::kPending;
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = fake_.server();
    const std::string url = fake_.api_url();
    s.settings["api_url"] = url.substr(0, url.rfind('/')) + "/NotTheSecretPath";
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
  test::FakeOutline fake_;
  OutlineBackend backend_;
  fakes::FakeSecrets secrets_;
  int keys_made_ = 0;
  bool hung_ = false;
};

void SkipWithoutTools(const std::string& missing) { GTEST_SKIP() << "skipped: " << missing; }

std::unique_ptr<contract::Harness> MakeOutlineHarness() {
  const std::string missing = test::FakeOutlineMissing();
  if (!missing.empty()) {
    SkipWithoutTools(missing);
    return nullptr;
  }
  return std::make_unique<OutlineHarness>();
}

VPNHUB_BACKEND_CONTRACT(OutlineContract, MakeOutlineHarness);

}  // namespace
}  // namespace vpnhub::vpn::outline
