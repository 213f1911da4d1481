#pragma once
// What the CLI prints of a key's delivery (VpnBackend::Delivery): `key create`, `key show` and
// `key list --json`. Pure: the caller asks the backend, these only format its answer.
#include <nlohmann/json.hpp>
#include <string>

#include "core/domain.hpp"
#include "core/ports/vpn_backend.hpp"
#include "core/status.hpp"

namespace vpnhub::app {

// What `key create` prints after the key line, each part ending in a newline: the link (or
// "(no link: why)" when the kind delivers neither a link nor a file, or the delivery failed),
// then the configuration file's content when the kind delivers one. A kind that delivers a file
// and no link prints only the file.
std::string DeliveryText(const Result<ports::KeyDelivery>& delivery, const ServerKind& kind);

// What `key show --conf` prints: the configuration file exactly as delivered, nothing added.
// kFailedPrecondition when the key holds no place on the server (revoked, failed: its file would
// not connect) or its kind delivers no file; the delivery's error otherwise.
Result<std::string> ConfigFileOf(const Key& key, const Result<ports::KeyDelivery>& delivery,
                                 const ServerKind& kind);

// The delivery fields of a key's JSON: {"link", "config_name", "config"}, each "" when there is
// none, the key holds no slot, or the delivery failed.
nlohmann::json DeliveryJson(const Key& key, const Result<ports::KeyDelivery>& delivery);

}  // namespace vpnhub::app
