#pragma once
#include <atomic>
#include <string>

#include "core/ports/secrets.hpp"

namespace vpnhub::fakes {

// Predictable, distinct tokens: "tok1aaaa...", "tok2aaaa...".
class FakeSecrets : public ports::SecretSource {
 public:
  std::string Token(std::size_t length) override {
    std::string t = "tok" + std::to_string(++n_);
    t.resize(length, 'a');
    return t;
  }

 private:
  std::atomic<int> n_{0};
};

}  // namespace vpnhub::fakes
