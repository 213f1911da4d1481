// The payment providers, one line each, in the order the bot offers them.
#include "payments/cryptobot/cryptobot_provider.hpp"
#include "payments/cryptomus/cryptomus_provider.hpp"
#include "payments/factory.hpp"
#include "payments/stars/stars_provider.hpp"
#include "payments/wata/wata_provider.hpp"
#include "payments/yookassa/yookassa_provider.hpp"
#include "payments/yoomoney/yoomoney_provider.hpp"

namespace vpnhub::payments {

const std::vector<ProviderSpec>& BuiltinProviderSpecs() {
  static const auto* const kSpecs = new std::vector<ProviderSpec>{
      stars::Spec(),
      yookassa::Spec(),
      yoomoney::Spec(),
      cryptobot::Spec(),
      cryptomus::CryptomusSpec(),
      cryptomus::HeleketSpec(),
      wata::CardSpec(),
      wata::SbpSpec(),
  };
  return *kSpecs;
}

}  // namespace vpnhub::payments
