#pragma once
// The contract Harness (backend_contract.hpp) shared by the kinds whose remote is a fake panel run
// as a child process (test::FakeOutline, FakeMarzban, FakeRemnawave, FakeXui): one fake and one
// backend per test, keys numbered from 101 for user 42, Hang/Unhang/RestartRemote handed to the
// fake (unhung when a test ends hung), keys kept across a restart. A kind's harness derives from
// FakeProcessHarness<Fake, Backend>, says how its server row and its refused credential look,
// and is made by MakeOrSkip (which skips the test when the fake cannot run here).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "fakes/fake_secrets.hpp"
#include "vpn/backend_contract.hpp"

namespace vpnhub::vpn::contract {

template <class Fake, class Backend>
class FakeProcessHarness : public Harness {
 public:
  // `remote_name_prefix` + the key's id is each key's remote name.
  template <class FakeOptions, class BackendOptions>
  FakeProcessHarness(FakeOptions&& fake_options, BackendOptions&& backend_options,
                     std::string remote_name_prefix)
      : fake_(std::forward<FakeOptions>(fake_options)),
        backend_(std::forward<BackendOptions>(backend_options)),
        remote_name_prefix_(std::move(remote_name_prefix)) {}
  ~FakeProcessHarness() override {
    if (hung_) fake_.Unhang();
  }

  ports::VpnBackend& backend() override { return backend_; }
  Key NewKey(int slot) override {
    Key k;
    k.id = 100 + (++keys_made_);
    k.user_id = 42;
    k.server_id = 1;
    k.slot = slot;
    k.secret = backend_.NewSecret(secrets_);
    k.remote_name = remote_name_prefix_ + std::to_string(k.id);
    k.state = KeyState::kPending;
    return k;
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

 protected:
  Fake fake_;
  Backend backend_;

 private:
  fakes::FakeSecrets secrets_;
  std::string remote_name_prefix_;
  int keys_made_ = 0;
  bool hung_ = false;
};

inline void SkipWithoutTools(const std::string& missing) { GTEST_SKIP() << "skipped: " << missing; }

// A new H(args...), or nullptr after skipping the test when `missing` (what the fake lacks here)
// is not empty.
template <class H, class... Args>
std::unique_ptr<Harness> MakeOrSkip(const std::string& missing, Args&&... args) {
  if (!missing.empty()) {
    SkipWithoutTools(missing);
    return nullptr;
  }
  return std::make_unique<H>(std::forward<Args>(args)...);
}

}  // namespace vpnhub::vpn::contract
