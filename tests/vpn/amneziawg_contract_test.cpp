// The backend contract suite (backend_contract.hpp) for the amneziawg kind, against the fake
// amnezia-wg-easy (tests/servers/amneziawg/fake_awg_easy.py) in memory mode with a state file: a
// fresh fake per test, hung by SIGSTOP (connections queue, nothing answers) and answering again on
// SIGCONT, restarted on the same port keeping its clients (as amnezia-wg-easy keeps wg0.json) and
// forgetting its sessions.
#include <signal.h>

#include <memory>
#include <optional>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/amneziawg/amneziawg_backend.hpp"
#include "vpn/backend_contract.hpp"
#include "vpn/fake_awg_easy.hpp"

namespace vpnhub::vpn::amneziawg {
namespace {

class AwgHarness : public contract::Harness {
 public:
  AwgHarness()
      : fake_("contract-pw", /*keep_state=*/true),
        backend_(contract::kMaxCallDeadline),
        server_(fake_.MakeServer()) {
    server_.id = 1;
    server_.location_id = 1;
    server_.name = "contract-awg";
    server_.capacity = 5;
  }
  ~AwgHarness() override {
    if (hung_) Unhang();
  }

  ports::VpnBackend& backend() override { return backend_; }
  Server server() override { return server_; }
  Key NewKey(int slot) override {
    Key k;
    k.id = 100 + (++keys_made_);
    k.user_id = 42;
    k.server_id = server_.id;
    k.slot = slot;
    k.secret = backend_.NewSecret(secrets_);
    k.remote_name = "vpnhub-contract-" + std::to_string(k.id);
    k.state = KeyState::kPending;
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = server_;
    s.settings["password"] = "not-the-password";
    return s;
  }
  void Hang() override {
    ASSERT_EQ(::kill(fake_.pid(), SIGSTOP), 0);
    hung_ = true;
  }
  void Unhang() override {
    ASSERT_EQ(::kill(fake_.pid(), SIGCONT), 0);
    hung_ = false;
  }
  void RestartRemote() override { fake_.Restart(); }
  bool RestartKeepsKeys() const override { return true; }

 private:
  test::FakeAwgEasy fake_;
  AmneziaWgBackend backend_;
  Server server_;
  fakes::FakeSecrets secrets_;
  int keys_made_ = 0;
  bool hung_ = false;
};

}  // namespace
}  // namespace vpnhub::vpn::amneziawg

VPNHUB_BACKEND_CONTRACT(AmneziaWgContract,
                        [] { return std::make_unique<vpnhub::vpn::amneziawg::AwgHarness>(); });
