#pragma once
// The backend contract suite: one set of cases every VPN server kind's adapter
// (ports::VpnBackend) passes against its real server or its fake. A kind writes one Harness (how
// to run its remote side, hang it and restart it) and instantiates the whole suite with one line
// in a test .cpp:
//
//   VPNHUB_BACKEND_CONTRACT(ShadowsocksContract, [] { return std::make_unique<SsHarness>(); });
//
// and links the test with the static library `vpnhub_backend_contract` (tests/vpn/CMakeLists.txt).
// The cases are listed in backend_contract.cpp and in docs/adding-a-vpn-kind.md ("The contract
// suite").
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"

namespace vpnhub::vpn::contract {

// One per test; the remote side is running when it is constructed and holds no keys (a fresh
// remote per harness, or one emptied first): the cases check that ListKeys shows exactly the keys
// they made. The harness stops its remote side on destruction.
class Harness {
 public:
  virtual ~Harness() = default;
  // The kind's own adapter (no metered/gated wrappers), built with a call deadline of at most
  // kMaxCallDeadline.
  virtual ports::VpnBackend& backend() = 0;
  // A Server row (id, kind, settings, public_host, capacity >= 3) for the running remote.
  virtual Server server() = 0;
  // A key for `slot` with a fresh credential (backend().NewSecret), state pending, remote_data
  // empty, a remote_name unique in the harness.
  virtual Key NewKey(int slot) = 0;
  // server() with a wrong token/password; nullopt: the kind has none (that case is skipped,
  // saying why).
  virtual std::optional<Server> ServerWithRefusedCredential() { return std::nullopt; }
  // From now on the remote accepts connections (or datagrams) but never answers.
  virtual void Hang() = 0;
  // The remote answers again.
  virtual void Unhang() = 0;
  // Stops and starts the remote side at the same address; returns once the harness sees it up.
  virtual void RestartRemote() = 0;
  // True when the remote keeps keys over a restart.
  virtual bool RestartKeepsKeys() const = 0;
};

// Makes the harness of one test. To skip the test (the remote's software is not installed here),
// call GTEST_SKIP() << "why" in a void helper and return nullptr.
using HarnessFactory = std::function<std::unique_ptr<Harness>()>;

// The longest call deadline a harness may give its backend, and the scheduling noise allowed on
// top of it before a call that should have hit its deadline is called a hang.
inline constexpr std::chrono::milliseconds kMaxCallDeadline{1000};
inline constexpr std::chrono::milliseconds kSlack{1000};
// How long a restarted remote may take to answer the backend's Ping.
inline constexpr std::chrono::milliseconds kRestartWait{10000};

// The parameter of the suite: the instantiation's name and its factory.
struct ContractParam {
  std::string name;
  HarnessFactory make;
};
inline void PrintTo(const ContractParam& p, std::ostream* os) { *os << p.name; }

// The fixture of every case (the cases are TEST_Ps in backend_contract.cpp).
class BackendContractTest : public ::testing::TestWithParam<ContractParam> {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<Harness> harness_;
};

namespace internal {
// Defined next to the cases: referencing it keeps backend_contract.cpp (and so the registration
// of its TEST_Ps) in a test binary that links the static library.
int LinkCases();
}  // namespace internal

}  // namespace vpnhub::vpn::contract

// Instantiates every case of the contract for one harness factory, at namespace scope (it
// declares the alias BackendContractTest there: gtest wants the suite's name unqualified). The
// test names are NAME/BackendContractTest.CASE/0.
#define VPNHUB_BACKEND_CONTRACT(name, ...)                                                     \
  using BackendContractTest = ::vpnhub::vpn::contract::BackendContractTest;                    \
  INSTANTIATE_TEST_SUITE_P(name, BackendContractTest,                                          \
                           ::testing::Values(::vpnhub::vpn::contract::ContractParam{           \
                               #name, ::vpnhub::vpn::contract::HarnessFactory(__VA_ARGS__)})); \
  [[maybe_unused]] static const int vpnhub_backend_contract_link_##name =                      \
      ::vpnhub::vpn::contract::internal::LinkCases()
