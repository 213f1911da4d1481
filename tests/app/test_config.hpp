#pragma once
// The configuration a test wires the app's parts with: the defaults, with `env` on top as if it
// were the process environment. A variable ParseConfig refuses fails the test.
#include <gtest/gtest.h>

#include <variant>
#include <vector>

#include "app/config.hpp"

namespace vpnhub::app {

inline Config TestConfig(const EnvMap& env = {}) {
  auto parsed = ParseConfig(env);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    ADD_FAILURE() << "test configuration refused:\n" << FormatErrors(*errors);
    return Config{};
  }
  return std::get<Config>(parsed);
}

}  // namespace vpnhub::app
