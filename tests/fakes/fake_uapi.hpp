#pragma once
// A fake wireguard-go UAPI endpoint: a unix socket speaking get=1 / set=1 as
// https://www.wireguard.com/xplatform/ describes, over an in-memory interface. Like WireGuard, an
// allowed IP given to one peer is taken from any other peer that had it. Modes: answer normally,
// hang (accept and never answer), or answer every set with an errno.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::testing {

class FakeUapi {
 public:
  struct Peer {
    std::string public_key;     // hex
    std::string preshared_key;  // hex; 64 zeros = none
    std::vector<std::string> allowed_ips;
    std::uint64_t rx_bytes = 0, tx_bytes = 0;
    std::int64_t last_handshake = 0;
  };

  explicit FakeUapi(std::string path) : path_(std::move(path)) {
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 64) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeUapi() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    for (int c : hung_) ::close(c);
    ::unlink(path_.c_str());
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  void set_private_key(std::string hex) {
    std::lock_guard l(mu_);
    private_key_ = std::move(hex);
  }
  void set_listen_port(int port) {
    std::lock_guard l(mu_);
    listen_port_ = port;
  }
  void set_hang(bool hang) { hang_ = hang; }
  void set_set_errno(int e) { set_errno_ = e; }
  // Each get=1 answers only after this long (a large interface).
  void set_get_delay(std::chrono::milliseconds d) { get_delay_ms_ = static_cast<int>(d.count()); }
  void AddPeer(Peer p) {
    std::lock_guard l(mu_);
    peers_.push_back(std::move(p));
  }
  std::vector<Peer> peers() const {
    std::lock_guard l(mu_);
    return peers_;
  }
  int sets() const { return sets_.load(); }
  int gets() const { return gets_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (hang_) {
        hung_.push_back(c);
        continue;
      }
      Handle(c);
      ::close(c);
    }
  }

  void Handle(int c) {
    std::string in;
    char buf[4096];
    while (in.find("\n\n") == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
    }
    std::string out;
    if (in.rfind("get=1\n", 0) == 0) {
      ++gets_;
      if (int d = get_delay_ms_.load(); d > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(d));
      }
      out = Dump();
    } else if (in.rfind("set=1\n", 0) == 0) {
      ++sets_;
      int e = set_errno_.load();
      if (e == 0) e = Apply(in.substr(6, in.find("\n\n") - 6 + 1));
      out = "errno=" + std::to_string(e) + "\n\n";
    } else {
      out = "errno=-22\n\n";
    }
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  std::string Dump() {
    std::lock_guard l(mu_);
    std::string out;
    if (!private_key_.empty()) out += "private_key=" + private_key_ + "\n";
    out += "listen_port=" + std::to_string(listen_port_) + "\n";
    for (const auto& p : peers_) {
      out += "public_key=" + p.public_key + "\n";
      out += "preshared_key=" + p.preshared_key + "\n";
      out += "protocol_version=1\n";
      out += "last_handshake_time_sec=" + std::to_string(p.last_handshake) + "\n";
      out += "last_handshake_time_nsec=0\n";
      out += "tx_bytes=" + std::to_string(p.tx_bytes) + "\n";
      out += "rx_bytes=" + std::to_string(p.rx_bytes) + "\n";
      out += "persistent_keepalive_interval=0\n";
      for (const auto& ip : p.allowed_ips) out += "allowed_ip=" + ip + "\n";
    }
    return out + "errno=0\n\n";
  }

  static bool Hex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char ch) {
             return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
           });
  }

  // Applies the lines of one set=1; errno -22 on a bad line (what applied so far stays, as in
  // wireguard-go).
  int Apply(const std::string& body) {
    std::lock_guard l(mu_);
    Peer* peer = nullptr;
    std::size_t pos = 0;
    while (pos < body.size()) {
      std::size_t eol = body.find('\n', pos);
      std::string line = body.substr(pos, eol - pos);
      pos = eol + 1;
      if (line.empty()) continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) return -22;
      std::string k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "public_key") {
        if (!Hex64(v)) return -22;
        auto it = std::find_if(peers_.begin(), peers_.end(),
                               [&](const Peer& p) { return p.public_key == v; });
        if (it == peers_.end()) {
          peers_.push_back(Peer{v, std::string(64, '0'), {}, 0, 0, 0});
          peer = &peers_.back();
        } else {
          peer = &*it;
        }
      } else if (peer == nullptr) {
        if (k == "listen_port")
          listen_port_ = std::stoi(v);
        else if (k == "private_key")
          private_key_ = v;
      } else if (k == "remove" && v == "true") {
        std::string key = peer->public_key;
        peers_.erase(std::remove_if(peers_.begin(), peers_.end(),
                                    [&](const Peer& p) { return p.public_key == key; }),
                     peers_.end());
        peer = nullptr;
      } else if (k == "preshared_key") {
        if (!Hex64(v)) return -22;
        peer->preshared_key = v;
      } else if (k == "replace_allowed_ips" && v == "true") {
        peer->allowed_ips.clear();
      } else if (k == "allowed_ip") {
        if (v.find('/') == std::string::npos) return -22;
        for (auto& other : peers_) {
          auto& ips = other.allowed_ips;
          ips.erase(std::remove(ips.begin(), ips.end(), v), ips.end());
        }
        peer->allowed_ips.push_back(v);
      } else {
        return -22;
      }
    }
    return 0;
  }

  std::string path_;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> hang_{false};
  std::atomic<int> set_errno_{0};
  std::atomic<int> get_delay_ms_{0};
  std::atomic<int> sets_{0}, gets_{0};
  std::vector<int> hung_;
  mutable std::mutex mu_;
  std::string private_key_;
  int listen_port_ = 0;
  std::vector<Peer> peers_;
};

}  // namespace vpnhub::testing
