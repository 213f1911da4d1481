#include "vpn/shadowsocks/shadowsocks_kind.hpp"

#include <string>

#include "vpn/shadowsocks/shadowsocks_backend.hpp"
#include "vpn/shadowsocks/ss_manager_client.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

Status SetManager(const std::string& value, ServerSettings& settings) {
  settings["manager"] = value;  // checked with the other settings by ValidateSettings
  return Status::Ok();
}

Status SetPorts(const std::string& value, ServerSettings& settings) {
  const auto range = ParsePortRange(value);
  if (!range) {
    return InvalidArgument(
        "expected FROM-TO with 1 <= FROM <= TO <= 65535, e.g. 20000-20999, got '" + value + "'");
  }
  settings["port_from"] = std::to_string(range->first);
  settings["port_to"] = std::to_string(range->second);
  return Status::Ok();
}

Status SetMethod(const std::string& value, ServerSettings& settings) {
  if (!value.empty()) settings["method"] = value;  // empty: the default cipher
  return Status::Ok();
}

}  // namespace

std::optional<std::pair<int, int>> ParsePortRange(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto from = ParsePort(text.substr(0, dash));
  const auto to = ParsePort(text.substr(dash + 1));
  if (!from || !to || *from > *to) return std::nullopt;
  return std::make_pair(*from, *to);
}

KindSpec ShadowsocksKind() {
  KindSpec spec;
  spec.name = kKindName;
  spec.summary = "an ss-manager";
  SettingFlag manager;
  manager.name = "--manager";
  manager.help = "ss-manager UDP address HOST:PORT";
  manager.required = true;
  manager.apply = SetManager;
  SettingFlag ports;
  ports.name = "--ports";
  ports.help = "Port range for keys, FROM-TO";
  ports.required = true;
  ports.value_hint = "FROM-TO";
  ports.edit_help = "Port range for keys, FROM-TO; while keys hold slots FROM stays the same";
  ports.apply = SetPorts;
  SettingFlag method;
  method.name = "--method";
  method.help = std::string("Cipher [default: ") + kDefaultMethod + "]";
  method.apply = SetMethod;
  spec.flags = {manager, ports, method};
  spec.listed_setting = "manager";
  spec.make_backend = [](const BackendOptions& options) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<ShadowsocksBackend>(options.call_deadline);
  };
  return spec;
}

}  // namespace vpnhub::vpn::shadowsocks
