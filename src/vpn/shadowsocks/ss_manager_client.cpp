#include "vpn/shadowsocks/ss_manager_client.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

namespace vpnhub::vpn::shadowsocks {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPortNotAvailable[] = "port is not available";
// ss-manager only splits a ping reply once a chunk passes BUF_SIZE/2 (32 KiB); a datagram much
// shorter than that is the last one. The margin covers builds with a smaller buffer.
constexpr std::size_t kStatChunkMinBytes = 1024;
constexpr std::size_t kMaxDatagram = 65536;

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

std::string Errno(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

std::optional<ManagedPort> PortFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  ManagedPort mp;
  auto port_it = j.find("server_port");
  if (port_it == j.end()) return std::nullopt;
  if (port_it->is_string()) {
    mp.port = ParsePort(port_it->get<std::string>()).value_or(0);
  } else if (port_it->is_number_unsigned()) {
    const auto v = port_it->get<std::uint64_t>();
    mp.port = v >= 1 && v <= 65535 ? static_cast<int>(v) : 0;
  }
  if (mp.port == 0) return std::nullopt;
  auto pw = j.find("password");
  if (pw == j.end() || !pw->is_string()) return std::nullopt;
  mp.password = pw->get<std::string>();
  auto method = j.find("method");
  if (method != j.end() && method->is_string()) mp.method = method->get<std::string>();
  return mp;
}

bool IsMethodToken(const std::string& method) {
  return std::all_of(method.begin(), method.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

Result<HostPort> ParseHostPort(const std::string& address) {
  HostPort hp;
  std::string_view port_text;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return InvalidArgument("address \"" + address + "\" is not [ipv6]:port");
    }
    hp.host = address.substr(1, close - 1);
    port_text = std::string_view(address).substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      return InvalidArgument("address \"" + address + "\" is not host:port");
    }
    hp.host = address.substr(0, colon);
    port_text = std::string_view(address).substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) {
      return InvalidArgument("address \"" + address + "\": write an IPv6 host as [host]:port");
    }
  }
  if (hp.host.empty()) return InvalidArgument("address \"" + address + "\" has no host");
  hp.port = ParsePort(port_text).value_or(0);
  if (hp.port == 0) {
    return InvalidArgument("address \"" + address + "\" has no port in 1..65535");
  }
  return hp;
}

Status CheckPassword(const std::string& password) {
  if (password.empty()) return InvalidArgument("the shadowsocks password is empty");
  if (password.size() > 127) {
    return InvalidArgument("the shadowsocks password is longer than 127 characters");
  }
  for (char c : password) {
    if (c <= ' ' || c > '~' || c == '"' || c == '\\') {
      return InvalidArgument(
          "the shadowsocks password has a character ss-manager cannot list (only printable "
          "ASCII without space, double quote and backslash)");
    }
  }
  return Status::Ok();
}

bool IsPortNotAvailable(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().find(kPortNotAvailable) != std::string::npos;
}

SsManagerClient::SsManagerClient(std::string address, std::chrono::milliseconds deadline,
                                 std::chrono::milliseconds idle_gap, HostResolver* resolver)
    : address_(std::move(address)), deadline_(deadline), idle_gap_(idle_gap), resolver_(resolver) {}

Result<std::vector<std::string>> SsManagerClient::Call(const std::string& verb,
                                                       const std::string& request,
                                                       ReplyShape shape) const {
  const auto deadline = Clock::now() + deadline_;
  VPNHUB_ASSIGN_OR_RETURN(auto hp, ParseHostPort(address_));
  Result<ResolvedAddress> ep =
      InvalidArgument("ss-manager address " + address_ + " names a host and no resolver was given");
  if (auto literal = AddressFromLiteral(hp.host, hp.port)) {
    ep = *literal;
  } else if (resolver_ != nullptr) {
    ep = resolver_->Resolve(hp.host, hp.port, deadline);
    if (!ep.ok()) {
      return Status(ep.status().code(),
                    "ss-manager address " + address_ + ": " + ep.status().message());
    }
  }
  if (!ep.ok()) return ep.status();

  const int fd =
      ::socket(ep->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) return Unavailable("cannot open a UDP socket: " + Errno(errno));
  FdCloser closer(fd);
  // A connected socket reports ICMP port-unreachable as ECONNREFUSED and ignores datagrams from
  // anyone but the manager.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ep->addr), ep->len) != 0) {
    return Unavailable("cannot reach ss-manager at " + address_ + ": " + Errno(errno));
  }
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    return Unavailable("cannot send \"" + verb + "\" to ss-manager at " + address_ + ": " +
                       Errno(errno));
  }

  std::vector<std::string> replies;
  std::string buf(kMaxDatagram, '\0');
  auto last_datagram_at = Clock::now();
  while (true) {
    auto wait_until = deadline;
    if (!replies.empty()) {
      bool more = false;
      if (shape == ReplyShape::kList) {
        more = !Trim(Join(replies)).ends_with(']');
      } else if (shape == ReplyShape::kStat) {
        more = replies.back().size() >= kStatChunkMinBytes;
      }
      if (!more) break;
      wait_until = std::min(deadline, last_datagram_at + idle_gap_);
    }
    const auto now = Clock::now();
    if (now >= wait_until) {
      if (!replies.empty()) break;
      return DeadlineExceeded("ss-manager at " + address_ + " did not answer \"" + verb +
                              "\" within " + std::to_string(deadline_.count()) + " ms");
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(wait_until - now);
    pollfd pfd{fd, POLLIN, 0};
    const int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Unavailable("poll on the ss-manager socket failed: " + Errno(errno));
    }
    if (rc == 0) continue;
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK) continue;
      if (!replies.empty()) break;
      if (err == ECONNREFUSED) {
        return Unavailable("ss-manager at " + address_ + " refused \"" + verb +
                           "\" (nothing listens there)");
      }
      return Unavailable("cannot receive from ss-manager at " + address_ + ": " + Errno(err));
    }
    replies.emplace_back(buf.data(), static_cast<std::size_t>(n));
    last_datagram_at = Clock::now();
  }
  return replies;
}

Status SsManagerClient::Add(int port, const std::string& password,
                            const std::string& method) const {
  if (port < 1 || port > 65535) return InvalidArgument("port " + std::to_string(port));
  VPNHUB_RETURN_IF_ERROR(CheckPassword(password));
  if (!IsMethodToken(method)) return InvalidArgument("method \"" + method + "\" is malformed");
  nlohmann::json body = {{"server_port", port}, {"password", password}};
  if (!method.empty()) body["method"] = method;
  VPNHUB_ASSIGN_OR_RETURN(auto replies, Call("add", "add: " + body.dump(), ReplyShape::kSingle));
  const auto reply = Trim(replies.front()).substr(0, 64);
  const std::string where = "ss-manager at " + address_ + " answered add for port " +
                            std::to_string(port) + " with \"" + std::string(reply) + "\"";
  if (reply == "ok") return Status::Ok();
  if (reply == kPortNotAvailable) return Unavailable(where);
  return Internal(where);
}

Status SsManagerClient::Remove(int port) const {
  if (port < 1 || port > 65535) return InvalidArgument("port " + std::to_string(port));
  nlohmann::json body = {{"server_port", port}};
  VPNHUB_ASSIGN_OR_RETURN(auto replies,
                          Call("remove", "remove: " + body.dump(), ReplyShape::kSingle));
  const auto reply = Trim(replies.front()).substr(0, 64);
  if (reply == "ok") return Status::Ok();
  return Internal("ss-manager at " + address_ + " answered remove for port " +
                  std::to_string(port) + " with \"" + std::string(reply) + "\"");
}

Result<std::vector<ManagedPort>> SsManagerClient::List() const {
  VPNHUB_ASSIGN_OR_RETURN(auto replies, Call("list", "list", ReplyShape::kList));
  auto parsed = ParseListReply(Join(replies));
  if (!parsed.ok()) {
    return Status(parsed.status().code(),
                  "ss-manager at " + address_ + ": " + parsed.status().message());
  }
  return parsed;
}

Result<std::map<int, std::int64_t>> SsManagerClient::Ping() const {
  VPNHUB_ASSIGN_OR_RETURN(auto replies, Call("ping", "ping", ReplyShape::kStat));
  auto parsed = ParseStatReply(Join(replies));
  if (!parsed.ok()) {
    return Status(parsed.status().code(),
                  "ss-manager at " + address_ + ": " + parsed.status().message());
  }
  return parsed;
}

Result<std::vector<ManagedPort>> ParseListReply(const std::string& text) {
  const auto body = Trim(text);
  if (!body.starts_with('[')) {
    // Never echo the reply: it may hold passwords.
    return Internal("unexpected list reply (" + std::to_string(body.size()) + " bytes)");
  }
  std::vector<ManagedPort> out;
  auto whole = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (whole.is_array()) {
    for (const auto& item : whole) {
      if (auto mp = PortFromJson(item)) out.push_back(std::move(*mp));
    }
    return out;
  }
  // A reply cut short or glued from chunks: read each {...} on its own.
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}' && depth > 0) {
      if (--depth == 0) {
        auto item = nlohmann::json::parse(body.substr(start, i - start + 1), nullptr, false);
        if (auto mp = PortFromJson(item)) out.push_back(std::move(*mp));
      }
    }
  }
  return out;
}

Result<std::map<int, std::int64_t>> ParseStatReply(const std::string& text) {
  const auto body = Trim(text);
  std::map<int, std::int64_t> out;
  if (body == "pong") return out;  // the Python manager's answer: alive, no numbers
  if (!body.starts_with("stat:")) {
    return Internal("unexpected ping reply \"" + std::string(body.substr(0, 64)) + "\"");
  }
  // Pairs "port":bytes anywhere in the text; later chunks have no "stat: {" and braces may be
  // unbalanced, so no JSON parser.
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] != '"') {
      ++i;
      continue;
    }
    const auto close = body.find('"', i + 1);
    if (close == std::string_view::npos) break;
    const int port = ParsePort(body.substr(i + 1, close - i - 1)).value_or(0);
    std::size_t j = close + 1;
    while (j < body.size() && std::isspace(static_cast<unsigned char>(body[j]))) ++j;
    if (port != 0 && j < body.size() && body[j] == ':') {
      ++j;
      while (j < body.size() && std::isspace(static_cast<unsigned char>(body[j]))) ++j;
      std::int64_t bytes = 0;
      std::size_t digits = 0;
      while (j < body.size() && body[j] >= '0' && body[j] <= '9' && digits < 19) {
        bytes = bytes * 10 + (body[j] - '0');
        ++j;
        ++digits;
      }
      if (digits > 0) out[port] = bytes;
    }
    i = std::max(j, close + 1);
  }
  return out;
}

}  // namespace vpnhub::vpn::shadowsocks
