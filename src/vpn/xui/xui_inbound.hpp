#pragma once
// A 3x-ui inbound as the xui kind reads it, and the link settings (xui_settings.hpp: protocol ..
// ss_server_psk) its settings and streamSettings give.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub::vpn::xui {

// What the backend reads of one inbound (GET /panel/api/inbounds/get/{id}).
struct Inbound {
  int id = 0;
  std::string protocol;
  int port = 0;
  nlohmann::json settings;         // parsed from its settings string
  nlohmann::json stream_settings;  // parsed from its streamSettings string
  nlohmann::json client_stats;     // clientStats array (may be null)
};
// The inbound of the `obj` a GET inbounds/get/{id} answers.
Inbound InboundOf(const nlohmann::json& obj);

// The clients array of an inbound's settings (its objects only).
std::vector<nlohmann::json> ClientsOf(const Inbound& inbound);

// The link settings (protocol .. ss_server_psk) an inbound gives; kFailedPrecondition for an
// inbound the kind cannot serve (another protocol, a transport the links cannot describe).
Result<ServerSettings> LinkSettingsOf(const Inbound& inbound);

}  // namespace vpnhub::vpn::xui
