#pragma once
#include <cstddef>
#include <string>

namespace vpnhub::ports {

// Unpredictable tokens for passwords and remote names. Thread-safe.
class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // `length` characters from [A-Za-z0-9], from a cryptographically secure generator.
  virtual std::string Token(std::size_t length) = 0;
};

}  // namespace vpnhub::ports
