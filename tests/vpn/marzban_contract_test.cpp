// The backend contract suite (backend_contract.hpp) for the marzban kind, against the fake Marzban
// panel (tests/servers/marzban/fake_marzban.py, backed by a real v2ray), a fresh one per test. Its
// keys get the inbounds "VLESS TCP" and "Trojan TLS". Hung through /_control/hang (connections
// accepted, API requests held unanswered); restarted as a new process on the same port with the
// same state, so users survive a restart as Marzban's database keeps them. The refused credential
// is a wrong admin password.
#include <memory>
#include <optional>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/fake_marzban_process.hpp"
#include "vpn/marzban/marzban_backend.hpp"

namespace vpnhub::vpn::marzban {
namespace {

constexpr char kInbounds[] = R"({"trojan":["Trojan TLS"],"vless":["VLESS TCP"]})";

class MarzbanHarness : public contract::Harness {
 public:
  MarzbanHarness() : fake_(), backend_(contract::kMaxCallDeadline) {}
  ~MarzbanHarness() override {
    if (hung_) fake_.Unhang();
  }

  ports::VpnBackend& backend() override { return backend_; }
  Server server() override { return fake_.server(kInbounds); }
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
    Server s = server();
    s.settings["password"] = "not-the-password";
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
  test::FakeMarzban fake_;
  MarzbanBackend backend_;
  fakes::FakeSecrets secrets_;
  int keys_made_ = 0;
  bool hung_ = false;
};

void SkipWithoutTools(const std::string& missing) { GTEST_SKIP() << "skipped: " << missing; }

std::unique_ptr<contract::Harness> MakeMarzbanHarness() {
  const std::string missing = test::FakeMarzbanMissing();
  if (!missing.empty()) {
    SkipWithoutTools(missing);
    return nullptr;
  }
  return std::make_unique<MarzbanHarness>();
}

VPNHUB_BACKEND_CONTRACT(MarzbanContract, MakeMarzbanHarness);

}  // namespace
}  // namespace vpnhub::vpn::marzban
