#pragma once
// Real implementations of the core's time and randomness ports.
#include "core/ports/clock.hpp"
#include "core/ports/secrets.hpp"

namespace vpnhub::app {

class SystemClock : public ports::Clock {
 public:
  Time Now() const override;
};

// Tokens from OpenSSL's CSPRNG, rejection-sampled onto [A-Za-z0-9] (no modulo bias).
class OpenSslSecrets : public ports::SecretSource {
 public:
  std::string Token(std::size_t length) override;
};

}  // namespace vpnhub::app
