// The backend contract suite (backend_contract.hpp) for the remnawave kind, against the fake
// Remnawave panel (tests/servers/remnawave/fake_remnawave.py, backed by a real v2ray), a fresh
// one per test. Hung through /_control/hang (requests accepted, never answered) and answering
// again on /_control/unhang; restarted as a new process on the same port with the same state, so
// users survive a restart as the panel's database keeps them. The refused credential is another
// API token (401).
#include <memory>
#include <optional>
#include <string>

#include "vpn/backend_contract.hpp"
#include "vpn/fake_process_harness.hpp"
#include "vpn/fake_remnawave_process.hpp"
#include "vpn/remnawave/remnawave_backend.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

RemnawaveOptions ContractOptions() {
  RemnawaveOptions o;
  o.call_deadline = contract::kMaxCallDeadline;
  return o;
}

class RemnawaveHarness
    : public contract::FakeProcessHarness<test::FakeRemnawave, RemnawaveBackend> {
 public:
  RemnawaveHarness()
      : FakeProcessHarness(test::FakeRemnawaveOptions{}, ContractOptions(), "vpnhub-42-contract") {}

  Server server() override { return fake_.server(); }
  Key NewKey(int slot) override {
    Key k = FakeProcessHarness::NewKey(slot);
    k.expires_at = Time{std::chrono::milliseconds(1798859045678)};
    return k;
  }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = fake_.server();
    s.settings["token"] = "not-the-panel-token";
    return s;
  }
};

std::unique_ptr<contract::Harness> MakeRemnawaveHarness() {
  return contract::MakeOrSkip<RemnawaveHarness>(test::FakeRemnawaveMissing());
}

VPNHUB_BACKEND_CONTRACT(RemnawaveContract, MakeRemnawaveHarness);

}  // namespace
}  // namespace vpnhub::vpn::remnawave
