#pragma once
// What the kind tests (tests/vpn/<kind>_kind_test.cpp) share to read a KindSpec: a flag by name,
// the flags' names, and the check that a kind probes a server before saving it and makes a backend
// of its own kind.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vpn/kind.hpp"

namespace vpnhub::vpn::test {

// The flag `name` of `spec`; a test failure (and a flag that does nothing) when there is none.
inline const SettingFlag& FlagOf(const KindSpec& spec, const std::string& name) {
  for (const auto& f : spec.flags) {
    if (f.name == name) return f;
  }
  static const SettingFlag none;
  ADD_FAILURE() << "no flag " << name;
  return none;
}

// The names of `spec`'s flags, in the order `server add --help` shows them.
inline std::vector<std::string> FlagNames(const KindSpec& spec) {
  std::vector<std::string> names;
  for (const auto& f : spec.flags) names.push_back(f.name);
  return names;
}

// `spec` probes a server before it is saved (prepare_server) and makes a backend of kind
// spec.name.
inline void ExpectProbeAndBackend(const KindSpec& spec) {
  EXPECT_TRUE(static_cast<bool>(spec.prepare_server)) << spec.name;
  auto backend = spec.make_backend(BackendOptions{});
  ASSERT_NE(backend, nullptr) << spec.name;
  EXPECT_EQ(backend->kind(), spec.name);
}

}  // namespace vpnhub::vpn::test
