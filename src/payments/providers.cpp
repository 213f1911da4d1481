// The payment providers, one line each, in the order the bot offers them.
#include "payments/cryptomus/cryptomus_provider.hpp"
#include "payments/factory.hpp"
#include "payments/stars/stars_provider.hpp"

namespace vpnhub::payments {

const std::vector<ProviderSpec>& BuiltinProviderSpecs() {
  static const auto* const kSpecs = new std::vector<ProviderSpec>{
      stars::Spec(),
      cryptomus::CryptomusSpec(),
      cryptomus::HeleketSpec(),
  };
  return *kSpecs;
}

}  // namespace vpnhub::payments
