#include "formats/wg_conf_parse.hpp"

#include <charconv>

#include "formats/awg_conf.hpp"

namespace vpnhub::formats {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void AppendList(std::vector<std::string>& out, std::string_view value) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = Trim(value.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

bool ReadInt(std::string_view text, int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ReadEndpoint(std::string_view endpoint, WgConfFields& out) {
  std::string_view host;
  std::string_view port;
  if (endpoint.starts_with('[')) {
    const auto close = endpoint.find("]:");
    if (close == std::string_view::npos) return false;
    host = endpoint.substr(1, close - 1);
    port = endpoint.substr(close + 2);
  } else {
    const auto colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
  }
  int value = 0;
  if (host.empty() || !ReadInt(port, value) || value < 1 || value > 65535) return false;
  out.endpoint_host = std::string(host);
  out.endpoint_port = value;
  return true;
}

enum class Section { kNone, kInterface, kPeer, kOtherPeer };

void ReadInterfaceLine(std::string_view key, std::string_view value, WgConfFields& out) {
  if (IsAmneziaWgKey(key)) {
    out.amnezia.emplace_back(std::string(key), std::string(value));
    return;
  }
  const std::string k = Lower(key);
  if (k == "privatekey") {
    out.private_key = std::string(value);
  } else if (k == "address") {
    AppendList(out.addresses, value);
  } else if (k == "dns") {
    AppendList(out.dns, value);
  } else if (k == "mtu") {
    if (!ReadInt(value, out.mtu)) out.mtu = 0;
  }
}

Status ReadPeerLine(std::string_view key, std::string_view value, WgConfFields& out) {
  const std::string k = Lower(key);
  if (k == "publickey") {
    out.public_key = std::string(value);
  } else if (k == "presharedkey") {
    out.preshared_key = std::string(value);
  } else if (k == "endpoint") {
    if (!ReadEndpoint(value, out)) return InvalidArgument("the .conf Endpoint is not host:port");
  } else if (k == "allowedips") {
    AppendList(out.allowed_ips, value);
  } else if (k == "persistentkeepalive") {
    if (!ReadInt(value, out.persistent_keepalive)) out.persistent_keepalive = 0;
  }
  return Status::Ok();
}

}  // namespace

Result<WgConfFields> ParseWgConf(std::string_view conf) {
  WgConfFields out;
  Section section = Section::kNone;
  bool seen_peer = false;
  while (!conf.empty()) {
    const auto nl = conf.find('\n');
    std::string_view line = Trim(conf.substr(0, nl));
    conf = nl == std::string_view::npos ? std::string_view() : conf.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      const std::string name = Lower(line);
      if (name == "[interface]") {
        section = Section::kInterface;
      } else if (name == "[peer]") {
        section = seen_peer ? Section::kOtherPeer : Section::kPeer;
        seen_peer = true;
      } else {
        section = Section::kNone;
      }
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, eq));
    const std::string_view value = Trim(line.substr(eq + 1));
    if (section == Section::kInterface) {
      ReadInterfaceLine(key, value, out);
    } else if (section == Section::kPeer) {
      VPNHUB_RETURN_IF_ERROR(ReadPeerLine(key, value, out));
    }
  }
  if (out.private_key.empty()) return InvalidArgument("the .conf has no PrivateKey");
  if (out.addresses.empty()) return InvalidArgument("the .conf has no Address");
  if (out.public_key.empty()) return InvalidArgument("the .conf has no [Peer] PublicKey");
  if (out.endpoint_port == 0) return InvalidArgument("the .conf has no Endpoint");
  return out;
}

}  // namespace vpnhub::formats
