#include "formats/wg_conf.hpp"

namespace vpnhub::formats {

std::string WgClientConf(const WgClientConfig& config) {
  std::string out = "[Interface]\n";
  out += "PrivateKey = " + config.private_key + "\n";
  out += "Address = " + config.address + "\n";
  if (!config.dns.empty()) out += "DNS = " + config.dns + "\n";
  out += "\n[Peer]\n";
  out += "PublicKey = " + config.server_public_key + "\n";
  if (!config.preshared_key.empty()) out += "PresharedKey = " + config.preshared_key + "\n";
  out += "Endpoint = " + config.endpoint + "\n";
  out += "AllowedIPs = 0.0.0.0/0, ::/0\n";
  out += "PersistentKeepalive = 25\n";
  return out;
}

}  // namespace vpnhub::formats
