#pragma once
// How a key's delivery (ports::KeyDelivery) reaches a person, decided in one place for the bot
// and the CLI.
#include "core/ports/vpn_backend.hpp"

namespace vpnhub::formats {

// Whether the key comes as a configuration file (a name and a content): the bot sends the file
// as a document after the QR photo, `vpnhub key create` / `key show --conf` print it.
inline bool HasConfigFile(const ports::KeyDelivery& delivery) {
  return !delivery.config_name.empty() && !delivery.config.empty();
}

}  // namespace vpnhub::formats
