#include "payments/factory.hpp"

#include <set>

namespace vpnhub::payments {

ports::PaymentProvider* PaymentProviders::Find(std::string_view name) const {
  for (const auto& p : providers_) {
    if (p->Name() == name) return p.get();
  }
  return nullptr;
}

std::vector<std::string> PaymentProviders::Names() const {
  std::vector<std::string> names;
  for (const auto& p : providers_) names.push_back(p->Name());
  return names;
}

Result<PaymentProviders> BuildPaymentProviders(const ProvidersConfig& config,
                                               const ProviderDeps& deps,
                                               const std::vector<ProviderSpec>& specs) {
  PaymentProviders out;
  std::set<std::string> names;
  for (const ProviderSpec& spec : specs) {
    if (spec.name.empty() || !spec.missing || !spec.make) {
      return InvalidArgument("payment provider spec '" + spec.name +
                             "' needs a name, a completeness check and a factory");
    }
    if (!names.insert(spec.name).second) {
      return InvalidArgument("two payment providers are named '" + spec.name + "'");
    }
    if (std::string why = spec.missing(config, deps); !why.empty()) {
      out.not_offered_.emplace_back(spec.name, std::move(why));
      continue;
    }
    auto provider = spec.make(deps);
    if (provider == nullptr || provider->Name() != spec.name) {
      return InvalidArgument("payment provider '" + spec.name + "' was built under another name");
    }
    out.providers_.push_back(std::move(provider));
  }
  return out;
}

}  // namespace vpnhub::payments
