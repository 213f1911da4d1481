#include "payments/factory.hpp"

#include <set>

#include "payments/metered_provider.hpp"

namespace vpnhub::payments {

std::string ProvidersConfig::Get(const std::string& name) const {
  const auto it = settings.find(name);
  return it == settings.end() ? std::string() : it->second;
}

std::vector<std::string> HalfConfigured(const ProviderSpec& spec, const ProvidersConfig& config) {
  std::vector<std::string> unset;
  bool any_set = false;
  for (const ProviderVar& var : spec.variables) {
    if (!var.required) continue;
    if (config.Get(var.name).empty()) {
      unset.push_back(var.name);
    } else {
      any_set = true;
    }
  }
  if (!any_set) unset.clear();
  return unset;
}

namespace {

// Why `spec`'s required variables keep it from being offered, or "".
std::string MissingVariables(const ProviderSpec& spec, const ProvidersConfig& config) {
  std::string unset;
  for (const ProviderVar& var : spec.variables) {
    if (!var.required || !config.Get(var.name).empty()) continue;
    unset += (unset.empty() ? "" : ", ") + var.name;
  }
  return unset.empty() ? "" : unset + " not set";
}

}  // namespace

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
    std::string why = MissingVariables(spec, config);
    if (why.empty()) why = spec.missing(config, deps);
    if (!why.empty()) {
      out.not_offered_.emplace_back(spec.name, std::move(why));
      continue;
    }
    auto provider = spec.make(config, deps);
    if (provider == nullptr || provider->Name() != spec.name) {
      return InvalidArgument("payment provider '" + spec.name + "' was built under another name");
    }
    if (deps.registry != nullptr) {
      provider = std::make_unique<MeteredProvider>(std::move(provider), *deps.registry);
    }
    out.providers_.push_back(std::move(provider));
  }
  return out;
}

}  // namespace vpnhub::payments
