#include "formats/wg_conf.hpp"

namespace vpnhub::formats {
namespace {

constexpr std::size_t kMaxInterfaceName = 15;

bool Kept(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

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

std::string WgConfFileName(std::string_view share_name) {
  std::string name;
  bool gap = false;
  for (char c : share_name) {
    if (Kept(c)) {
      if (gap && !name.empty()) name += '_';
      gap = false;
      name += c;
    } else {
      gap = true;
    }
  }
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  if (name.size() > kMaxInterfaceName) name.resize(kMaxInterfaceName);
  while (!name.empty() && name.back() == '_') name.pop_back();
  if (name.empty()) name = "wireguard";
  return name + ".conf";
}

}  // namespace vpnhub::formats
