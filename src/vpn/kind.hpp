#pragma once
// What a VPN server kind declares: one folder under src/vpn/ (shadowsocks/, ...) exposes one
// KindSpec, registered by name in src/vpn/kinds.cpp. The app builds the `server add` options, the
// `server list` column and the backends from these specs; nothing else names a kind.
// A kind declares here its settings (flags with help and a check of each value) and its backend;
// the backend (ports::VpnBackend) carries the rest of what the kind decides: the check of the
// whole settings (ValidateSettings), the probe (Ping), the credentials (NewSecret) and how a key is
// delivered (Delivery). See docs/adding-a-vpn-kind.md.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"

namespace vpnhub::vpn {

// What every kind's backend is built with, from the configuration.
struct BackendOptions {
  // Bounds each request to a VPN server (VPN_CALL_TIMEOUT_MS).
  std::chrono::milliseconds call_deadline{3000};
  // Calls in flight to one server from this process (WORKER_PER_SERVER; see GatedBackend).
  int per_server_limit = 4;
  // GatedBackend's patience with a server before its first call returned (GateOptions).
  std::chrono::milliseconds gate_first_patience{100};
  // The DNS line of every WireGuard client .conf (WG_DNS); empty leaves it out.
  std::string wireguard_dns = "1.1.1.1";
  // Devices (IPs) one key may use at once on kinds whose server limits them (LIMIT_IP; 3x-ui's
  // limitIp, Remnawave's hwidDeviceLimit); 0 = unlimited.
  int limit_ip = 0;
};

// One option of `vpnhub server add --kind KIND` that sets stored settings of the server.
struct SettingFlag {
  std::string name;  // "--ports": two dashes, then a-z, 0-9 and '-'
  std::string help;  // its help text in `server add --help`
  bool required = false;
  // The flag may be given several times (`--inbound A --inbound B`): `apply` is called once per
  // value, in order, on the same settings (so it appends to what an earlier value set).
  bool repeatable = false;
  // What the value looks like, shown in --help after its type ("FROM-TO"); empty for free text.
  std::string value_hint;
  // When set, `server edit` offers the flag too, with this help text.
  std::string edit_help;
  // Checks `value` and writes what it means into `settings` (one setting or several: --ports
  // sets port_from and port_to). kInvalidArgument says what is wrong with the value without
  // naming the flag (the CLI prints "--ports: <message>"). The kind's backend checks the whole
  // of the settings later (VpnBackend::ValidateSettings); this is only what one value can tell.
  // No I/O; thread-safe.
  std::function<Status(const std::string& value, ServerSettings& settings)> apply;
};

struct KindSpec {
  std::string name;     // the kind's name as stored and typed: "shadowsocks" (ParseServerKind)
  std::string summary;  // what a server of the kind is, for `server add --help`: "an ss-manager"
  std::vector<SettingFlag> flags;  // in --help order
  // The setting `server list` shows in its last column as "NAME=VALUE" ("manager").
  std::string listed_setting;
  // The kind's own backend, without wrappers (KindRegistry::MakeBackends adds them). Its Ping is
  // the kind's probe: `server add` calls it once the server is saved and warns when the server
  // does not answer (the server is kept: it may come up later).
  std::function<std::unique_ptr<ports::VpnBackend>(const BackendOptions&)> make_backend;
  // Settings never printed (`server list`, `--json`): tokens, passwords, secret URL paths. They
  // are shown as "***".
  std::vector<std::string> secret_settings;
  // Before `server add` saves a server: asks the server what the hub stores about it (a node's
  // interface key and port, ...) and fills `server` in; a server with no public host may get one
  // here from its settings. Any error refuses `server add` with its message (nothing is saved):
  // this is the kind's probe before saving. Empty for a kind with nothing to ask; its Ping after
  // saving only warns.
  std::function<Status(const BackendOptions&, Server& server)> prepare_server;
};

// `value` of setting `name` of a server of kind `spec` as it may be printed: "***" for a secret
// setting.
std::string PrintableSetting(const KindSpec& spec, const std::string& name,
                             const std::string& value);

}  // namespace vpnhub::vpn
