#include "node/node_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "node/uapi_client.hpp"

namespace vpnhub::node {

bool ParseIpv4(std::string_view text, std::uint32_t& out) {
  std::uint32_t a = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text.front() != '.') return false;
      text.remove_prefix(1);
    }
    std::size_t n = 0;
    while (n < text.size() && n < 4 && text[n] >= '0' && text[n] <= '9') ++n;
    if (n == 0 || n > 3 || (n > 1 && text[0] == '0')) return false;
    unsigned v = 0;
    std::from_chars(text.data(), text.data() + n, v);
    if (v > 255) return false;
    a = (a << 8) | v;
    text.remove_prefix(n);
  }
  if (!text.empty()) return false;
  out = a;
  return true;
}

std::string FormatIpv4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

Result<Ipv4Cidr> ParseIpv4Cidr(std::string_view text) {
  auto slash = text.find('/');
  Ipv4Cidr out;
  auto bad = [&] {
    return InvalidArgument("'" + std::string(text) +
                           "' is not an IPv4 address/prefix (10.8.0.1/24)");
  };
  if (slash == std::string_view::npos || !ParseIpv4(text.substr(0, slash), out.address)) {
    return bad();
  }
  std::string_view p = text.substr(slash + 1);
  if (p.empty() || p.size() > 2 || (p.size() > 1 && p[0] == '0')) return bad();
  auto r = std::from_chars(p.data(), p.data() + p.size(), out.prefix);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || out.prefix < 0 || out.prefix > 32) {
    return bad();
  }
  return out;
}

Result<HostPort> ParseHostPort(std::string_view text) {
  auto bad = [&] { return InvalidArgument("'" + std::string(text) + "' is not HOST:PORT"); };
  HostPort out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad();
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return bad();
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) return bad();
  for (char c : out.host) {
    if (c <= ' ' || c == '/' || c == '"' || c == '\\' || c == '@' || c == 127) return bad();
  }
  unsigned v = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || v == 0 ||
      v > 65535) {
    return bad();
  }
  out.port = static_cast<std::uint16_t>(v);
  return out;
}

Status ValidateConfig(const NodeConfig& c) {
  if (!ValidInterfaceName(c.interface_name)) {
    return InvalidArgument("interface '" + c.interface_name + "' is not an interface name");
  }
  if (auto e = ParseHostPort(c.endpoint); !e.ok()) {
    return InvalidArgument("endpoint: " + e.status().message());
  }
  auto t = ParseIpv4Cidr(c.tunnel);
  if (!t.ok()) return InvalidArgument("tunnel: " + t.status().message());
  if (t->prefix > 30)
    return InvalidArgument("tunnel: /" + std::to_string(t->prefix) + " leaves no room for peers");
  auto l = ParseHostPort(c.listen);
  if (!l.ok()) return InvalidArgument("listen: " + l.status().message());
  return Status::Ok();
}

std::string ConfigToJson(const NodeConfig& c) {
  nlohmann::json j = {{"interface", c.interface_name},
                      {"endpoint", c.endpoint},
                      {"tunnel", c.tunnel},
                      {"listen", c.listen}};
  if (!c.uapi_socket.empty()) j["uapi_socket"] = c.uapi_socket;
  return j.dump(2) + "\n";
}

Result<NodeConfig> ConfigFromJson(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("node.json is not a JSON object");
  NodeConfig c;
  auto str = [&](const char* name, std::string& out, bool required) -> Status {
    auto it = j.find(name);
    if (it == j.end()) {
      return required ? InvalidArgument(std::string("node.json has no \"") + name + "\"")
                      : Status::Ok();
    }
    if (!it->is_string())
      return InvalidArgument(std::string("node.json: \"") + name + "\" is not a string");
    out = it->get<std::string>();
    return Status::Ok();
  };
  VPNHUB_RETURN_IF_ERROR(str("interface", c.interface_name, true));
  VPNHUB_RETURN_IF_ERROR(str("endpoint", c.endpoint, true));
  VPNHUB_RETURN_IF_ERROR(str("tunnel", c.tunnel, true));
  VPNHUB_RETURN_IF_ERROR(str("listen", c.listen, true));
  VPNHUB_RETURN_IF_ERROR(str("uapi_socket", c.uapi_socket, false));
  VPNHUB_RETURN_IF_ERROR(ValidateConfig(c));
  return c;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return NotFound(path + " does not exist");
    return Unavailable("cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Unavailable("cannot read " + path);
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // the umask may have narrowed or (never) widened it
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Unavailable("cannot write " + tmp + ": " + std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Unavailable("cannot rename " + tmp + ": " + std::strerror(e));
  }
  return Status::Ok();
}

}  // namespace vpnhub::node
