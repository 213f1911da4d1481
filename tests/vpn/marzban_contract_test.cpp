// The backend contract suite (backend_contract.hpp) for the marzban kind, against the fake Marzban
// panel (tests/servers/marzban/fake_marzban.py, backed by a real v2ray), a fresh one per test. Its
// keys get the inbounds "VLESS TCP" and "Trojan TLS". Hung through /_control/hang (connections
// accepted, API requests held unanswered); restarted as a new process on the same port with the
// same state, so users survive a restart as Marzban's database keeps them. The refused credential
// is a wrong admin password.
#include <memory>
#include <optional>
#include <string>

#include "vpn/backend_contract.hpp"
#include "vpn/fake_marzban_process.hpp"
#include "vpn/fake_process_harness.hpp"
#include "vpn/marzban/marzban_backend.hpp"

namespace vpnhub::vpn::marzban {
namespace {

constexpr char kInbounds[] = R"({"trojan":["Trojan TLS"],"vless":["VLESS TCP"]})";

class MarzbanHarness : public contract::FakeProcessHarness<test::FakeMarzban, MarzbanBackend> {
 public:
  MarzbanHarness()
      : FakeProcessHarness(test::FakeMarzbanOptions{}, contract::kMaxCallDeadline,
                           "vpnhub-contract-") {}

  Server server() override { return fake_.server(kInbounds); }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = server();
    s.settings["password"] = "not-the-password";
    return s;
  }
};

std::unique_ptr<contract::Harness> MakeMarzbanHarness() {
  return contract::MakeOrSkip<MarzbanHarness>(test::FakeMarzbanMissing());
}

VPNHUB_BACKEND_CONTRACT(MarzbanContract, MakeMarzbanHarness);

}  // namespace
}  // namespace vpnhub::vpn::marzban
