// The backend contract suite (backend_contract.hpp) for the outline kind, against the fake Outline
// server (tests/servers/outline/fake_outline.py: the management API over HTTPS with a self-signed
// certificate, backed by a real ss-manager), a fresh one per test. Hung by SIGUSR1 (connections
// accepted, never answered) and answering again on SIGUSR2; restarted as a new process on the same
// port with the same certificate, secret and state file, so keys survive a restart as Outline's do.
// The refused credential is the API's secret path: another one gets 404.
#include <memory>
#include <optional>
#include <string>

#include "vpn/backend_contract.hpp"
#include "vpn/fake_outline_process.hpp"
#include "vpn/fake_process_harness.hpp"
#include "vpn/outline/outline_backend.hpp"

namespace vpnhub::vpn::outline {
namespace {

class OutlineHarness : public contract::FakeProcessHarness<test::FakeOutline, OutlineBackend> {
 public:
  OutlineHarness()
      : FakeProcessHarness(test::FakeOutlineOptions{}, contract::kMaxCallDeadline,
                           "vpnhub-contract-") {}

  Server server() override { return fake_.server(); }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = fake_.server();
    const std::string url = fake_.api_url();
    s.settings["api_url"] = url.substr(0, url.rfind('/')) + "/NotTheSecretPath";
    return s;
  }
};

std::unique_ptr<contract::Harness> MakeOutlineHarness() {
  return contract::MakeOrSkip<OutlineHarness>(test::FakeOutlineMissing());
}

VPNHUB_BACKEND_CONTRACT(OutlineContract, MakeOutlineHarness);

}  // namespace
}  // namespace vpnhub::vpn::outline
