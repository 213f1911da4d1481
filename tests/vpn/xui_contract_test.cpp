// The backend contract suite (backend_contract.hpp) for the xui kind, twice: against the fake
// 3x-ui panel (tests/servers/xui/fake_xui.py, backed by a real v2ray) speaking API v2 (cookie
// login; inbound 1, vless over tcp) and API v3 (bearer token; inbound 4, trojan over tcp+TLS), a
// fresh panel per test. The server row is the one `server add` would store: PrepareXuiServer
// reads the inbound. The fake's own client of each inbound ("admin-<id>", not commented
// "vpnhub") is not a key of the hub, so the remote holds no keys at the start. Hung and unhung
// through /_control/hang; restarted as a new process on the same port with the same state (its
// clients survive, its sessions do not: v2 logs in again). The refused credential is a wrong
// password (v2) or token (v3).
#include <memory>
#include <optional>
#include <string>

#include "vpn/backend_contract.hpp"
#include "vpn/fake_process_harness.hpp"
#include "vpn/fake_xui_process.hpp"
#include "vpn/xui/xui_backend.hpp"
#include "vpn/xui/xui_kind.hpp"

namespace vpnhub::vpn::xui {
namespace {

class XuiHarness : public contract::FakeProcessHarness<test::FakeXui, XuiBackend> {
 public:
  XuiHarness(const std::string& api, int inbound)
      : FakeProcessHarness(Options(api), XuiBackend::Options{contract::kMaxCallDeadline, 2},
                           "vpnhub-42-contract") {
    server_ = fake_.unprepared_server(inbound);
    BackendOptions options;
    options.call_deadline = std::chrono::seconds(5);
    const Status prepared = PrepareXuiServer(options, server_);
    if (!prepared.ok()) throw std::runtime_error("prepare_server: " + prepared.ToString());
  }

  Server server() override { return server_; }
  std::optional<Server> ServerWithRefusedCredential() override {
    Server s = server_;
    if (fake_.options().api == "v3") {
      s.settings["token"] = "not-the-token";
    } else {
      s.settings["password"] = "not-the-password";
    }
    return s;
  }

 private:
  static test::FakeXuiOptions Options(const std::string& api) {
    test::FakeXuiOptions o;
    o.api = api;
    return o;
  }

  Server server_;
};

std::unique_ptr<contract::Harness> MakeHarness(const std::string& api, int inbound) {
  return contract::MakeOrSkip<XuiHarness>(test::FakeXuiMissing(), api, inbound);
}

std::unique_ptr<contract::Harness> MakeV2() { return MakeHarness("v2", 1); }
std::unique_ptr<contract::Harness> MakeV3() { return MakeHarness("v3", 4); }

VPNHUB_BACKEND_CONTRACT(XuiV2Contract, MakeV2);
// The macro declares the suite's alias; the second instantiation reuses it.
INSTANTIATE_TEST_SUITE_P(XuiV3Contract, BackendContractTest,
                         ::testing::Values(contract::ContractParam{
                             "XuiV3Contract", contract::HarnessFactory(MakeV3)}));

}  // namespace
}  // namespace vpnhub::vpn::xui
