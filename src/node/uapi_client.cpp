#include "node/uapi_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace vpnhub::node {
namespace {

using Clock = std::chrono::steady_clock;

// The reply of one UAPI operation can be large (about 250 bytes per peer); this bounds memory
// against a socket that never stops talking.
constexpr std::size_t kMaxReply = 64u << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` until the deadline: 1 ready, 0 deadline passed, -1 error.
int WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return -1;
    return rc > 0 ? 1 : 0;
  }
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool AllZero(const WgKey& k) {
  for (auto b : k) {
    if (b != 0) return false;
  }
  return true;
}

void EnsureSodium() {
  static const int init = sodium_init();
  (void)init;
}

// "errno=N" of a reply; nullopt when missing.
std::optional<int> ReplyErrno(std::string_view reply) {
  std::size_t pos = 0;
  while (pos < reply.size()) {
    std::size_t eol = reply.find('\n', pos);
    if (eol == std::string_view::npos) eol = reply.size();
    std::string_view line = reply.substr(pos, eol - pos);
    if (line.rfind("errno=", 0) == 0) {
      int e = 0;
      if (ParseNumber(line.substr(6), e)) return e;
      return std::nullopt;
    }
    pos = eol + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string DefaultUapiSocket(std::string_view interface_name) {
  return "/var/run/wireguard/" + std::string(interface_name) + ".sock";
}

bool ValidInterfaceName(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '=' || c == '+';
    if (!ok) return false;
  }
  return true;
}

std::string KeyToHex(const WgKey& key) {
  char out[65];
  sodium_bin2hex(out, sizeof out, key.data(), key.size());
  return std::string(out, 64);
}

std::optional<WgKey> KeyFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  WgKey key{};
  for (std::size_t i = 0; i < 32; ++i) {
    std::uint8_t v = 0;
    for (int half = 0; half < 2; ++half) {
      char c = hex[2 * i + half];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      v = static_cast<std::uint8_t>(v * 16 + d);
    }
    key[i] = v;
  }
  return key;
}

std::string KeyToBase64(const WgKey& key) {
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  return std::string(out);
}

std::optional<WgKey> KeyFromBase64(std::string_view b64) {
  if (b64.size() != 44) return std::nullopt;
  WgKey key{};
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(key.data(), key.size(), b64.data(), b64.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != 32 || end != b64.data() + b64.size()) {
    return std::nullopt;
  }
  return key;
}

Result<std::string> UapiClient::Exchange(std::string_view request) const {
  const auto deadline = Clock::now() + timeout_;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path) {
    return InvalidArgument("UAPI socket path too long: " + socket_path_);
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Internal(std::string("UAPI socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      return Unavailable("UAPI " + socket_path_ + ": " + std::strerror(errno) +
                         " (is the WireGuard interface up?)");
    }
    int rc = WaitFor(fd.get(), POLLOUT, deadline);
    if (rc == 0) return DeadlineExceeded("UAPI " + socket_path_ + ": connect timed out");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (rc < 0 || err != 0) {
      return Unavailable("UAPI " + socket_path_ + ": " + std::strerror(err ? err : errno));
    }
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int rc = WaitFor(fd.get(), POLLOUT, deadline);
      if (rc == 0) return DeadlineExceeded("UAPI " + socket_path_ + ": write timed out");
      if (rc > 0) continue;
    }
    return Unavailable("UAPI " + socket_path_ + ": write: " + std::strerror(errno));
  }
  std::string reply;
  char buf[65536];
  // A reply ends with an empty line; its lines never are empty before that.
  while (reply.find("\n\n") == std::string::npos) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
      if (reply.size() > kMaxReply) return Internal("UAPI " + socket_path_ + ": reply too long");
      continue;
    }
    if (n == 0) return Internal("UAPI " + socket_path_ + ": connection closed mid-reply");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int rc = WaitFor(fd.get(), POLLIN, deadline);
      if (rc == 0) return DeadlineExceeded("UAPI " + socket_path_ + ": no reply in time");
      if (rc > 0) continue;
    }
    return Unavailable("UAPI " + socket_path_ + ": read: " + std::strerror(errno));
  }
  reply.resize(reply.find("\n\n") + 1);
  return reply;
}

Result<WgInterface> UapiClient::Get() const {
  auto reply = Exchange("get=1\n\n");
  if (!reply.ok()) return reply.status();
  auto err = ReplyErrno(*reply);
  if (!err) return Internal("UAPI " + socket_path_ + ": reply without errno");
  if (*err != 0) return Internal("UAPI get: errno=" + std::to_string(*err));

  WgInterface out;
  WgPeer* peer = nullptr;
  std::string_view text = *reply;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    auto bad = [&] { return Internal("UAPI get: bad line '" + std::string(line) + "'"); };
    if (key == "public_key") {
      auto k = KeyFromHex(value);
      if (!k) return bad();
      out.peers.emplace_back();
      peer = &out.peers.back();
      peer->public_key = *k;
    } else if (peer == nullptr) {
      if (key == "private_key") {
        auto k = KeyFromHex(value);
        if (!k) return bad();
        if (!AllZero(*k)) {
          EnsureSodium();
          WgKey pub{};
          if (crypto_scalarmult_base(pub.data(), k->data()) != 0) return bad();
          out.public_key = pub;
        }
        sodium_memzero(k->data(), k->size());
      } else if (key == "listen_port") {
        if (!ParseNumber(value, out.listen_port)) return bad();
      }
    } else if (key == "preshared_key") {
      auto k = KeyFromHex(value);
      if (!k) return bad();
      if (!AllZero(*k)) peer->preshared_key = *k;
    } else if (key == "allowed_ip") {
      peer->allowed_ips.emplace_back(value);
    } else if (key == "rx_bytes") {
      if (!ParseNumber(value, peer->rx_bytes)) return bad();
    } else if (key == "tx_bytes") {
      if (!ParseNumber(value, peer->tx_bytes)) return bad();
    } else if (key == "last_handshake_time_sec") {
      if (!ParseNumber(value, peer->last_handshake_sec)) return bad();
    }
  }
  return out;
}

Status UapiClient::SetCommand(std::string_view body) const {
  std::string request = "set=1\n";
  request.append(body);
  request.push_back('\n');
  auto reply = Exchange(request);
  if (!reply.ok()) return reply.status();
  auto err = ReplyErrno(*reply);
  if (!err) return Internal("UAPI " + socket_path_ + ": reply without errno");
  if (*err == 0) return Status::Ok();
  if (*err == -22) return InvalidArgument("UAPI set refused the values (errno=-22)");
  return Internal("UAPI set: errno=" + std::to_string(*err));
}

Status UapiClient::SetPeer(const PeerConfig& config) const {
  std::string body = "public_key=" + KeyToHex(config.public_key) + "\n";
  body += "preshared_key=" +
          (config.preshared_key ? KeyToHex(*config.preshared_key) : std::string(64, '0')) + "\n";
  body += "replace_allowed_ips=true\n";
  for (const auto& ip : config.allowed_ips) {
    if (ip.find('\n') != std::string::npos) return InvalidArgument("allowed ip with a newline");
    body += "allowed_ip=" + ip + "\n";
  }
  Status st = SetCommand(body);
  sodium_memzero(body.data(), body.size());
  return st;
}

Status UapiClient::RemovePeer(const WgKey& public_key) const {
  return SetCommand("public_key=" + KeyToHex(public_key) + "\nremove=true\n");
}

}  // namespace vpnhub::node
