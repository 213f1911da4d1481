#include "vpn/kind_registry.hpp"

#include <set>

#include "core/text_rules.hpp"

namespace vpnhub::vpn {
namespace {

bool IsFlagName(const std::string& name) {
  if (name.size() < 3 || name.compare(0, 2, "--") != 0) return false;
  for (std::size_t i = 2; i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Status KindRegistry::Register(KindSpec spec) {
  if (!ParseServerKind(spec.name)) {
    return InvalidArgument("server kind name " + Quoted(spec.name) +
                           ": 1 to 32 characters of a-z, 0-9 and '_', starting with a letter");
  }
  const std::string kind = "server kind " + spec.name;
  if (!spec.make_backend) return InvalidArgument(kind + " has no make_backend");
  std::set<std::string> names;
  for (const SettingFlag& flag : spec.flags) {
    if (!IsFlagName(flag.name)) {
      return InvalidArgument(kind + ": flag " + Quoted(flag.name) +
                             " is not spelled --name (a-z, 0-9, '-')");
    }
    if (!names.insert(flag.name).second) {
      return InvalidArgument(kind + ": flag " + flag.name + " is declared twice");
    }
    if (!flag.apply) return InvalidArgument(kind + ": flag " + flag.name + " has no apply");
  }
  if (Find(spec.name).ok()) return AlreadyExists(kind + " is registered already");
  kinds_.push_back(std::make_unique<const KindSpec>(std::move(spec)));
  return Status::Ok();
}

Result<const KindSpec*> KindRegistry::Find(const std::string& name) const {
  for (const auto& spec : kinds_) {
    if (spec->name == name) return spec.get();
  }
  return NotFound("unknown server kind " + Quoted(name) + " (supported: " + Names() + ")");
}

std::vector<const KindSpec*> KindRegistry::kinds() const {
  std::vector<const KindSpec*> out;
  for (const auto& spec : kinds_) out.push_back(spec.get());
  return out;
}

std::string KindRegistry::Names() const {
  std::string out;
  for (const auto& spec : kinds_) out += (out.empty() ? "" : ", ") + spec->name;
  return out;
}

Result<std::vector<std::unique_ptr<BackendStack>>> KindRegistry::MakeBackends(
    const BackendOptions& options, metrics::Registry& metrics) const {
  std::vector<std::unique_ptr<BackendStack>> out;
  for (const auto& spec : kinds_) {
    auto adapter = spec->make_backend(options);
    if (adapter == nullptr) return Internal("server kind " + spec->name + " made no backend");
    if (adapter->kind() != spec->name) {
      return Internal("server kind " + spec->name + " made a backend of kind " +
                      Quoted(adapter->kind()));
    }
    GateOptions gate;
    gate.per_server_limit = options.per_server_limit;
    gate.first_patience = options.gate_first_patience;
    out.push_back(std::make_unique<BackendStack>(std::move(adapter), gate, metrics));
  }
  return out;
}

std::string PrintableSetting(const KindSpec& spec, const std::string& name,
                             const std::string& value) {
  for (const std::string& secret : spec.secret_settings) {
    if (secret == name) return "***";
  }
  return value;
}

}  // namespace vpnhub::vpn
