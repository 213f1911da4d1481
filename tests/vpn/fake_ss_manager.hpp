#pragma once
// An in-process stand-in for shadowsocks-libev's ss-manager: a UDP socket on loopback answering
// add / remove / list / ping the way ss-manager 3.3.5 does (see manager.c), with switches for the
// awkward parts: silence, "port is not available", split ping and list replies.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::vpn::test {

class FakeSsManager {
 public:
  struct Entry {
    std::string password;
    std::string method;
    std::int64_t traffic = 0;
  };
  // Returns the datagrams to send for a request, or nullopt to answer like ss-manager.
  using Override = std::function<std::optional<std::vector<std::string>>(const std::string&)>;

  FakeSsManager() {
    // Dual-stack so that a hostname resolving to ::1 or 127.0.0.1 reaches it either way.
    fd_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0) {
      int off = 0;
      ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_any;
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd_);
        fd_ = -1;
      } else {
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin6_port);
      }
    }
    if (fd_ < 0) {
      fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        throw std::runtime_error("fake ss-manager: cannot bind");
      }
      socklen_t len = sizeof a;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
      port_ = ntohs(a.sin_port);
    }
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("fake ss-manager: pipe");
    thread_ = std::thread([this] { Loop(); });
  }

  ~FakeSsManager() {
    const char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
    ::close(fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  FakeSsManager(const FakeSsManager&) = delete;
  FakeSsManager& operator=(const FakeSsManager&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  void SetSilent(bool silent) { silent_ = silent; }
  void SetOverride(Override o) {
    std::lock_guard lock(mu_);
    override_ = std::move(o);
  }
  // The next `times` adds of `port` answer "port is not available" (and leave it unlisted).
  void MakePortBusy(int port, int times) {
    std::lock_guard lock(mu_);
    busy_[port] = times;
  }
  // Splits ping replies the way manager.c does once a chunk passes `bytes` (0 = never).
  void SetPingSplitBytes(std::size_t bytes) { ping_split_ = bytes; }
  void SetListSplitBytes(std::size_t bytes) { list_split_ = bytes; }

  void Put(int port, std::string password, std::string method, std::int64_t traffic = 0) {
    std::lock_guard lock(mu_);
    ports_[port] = {std::move(password), std::move(method), traffic};
  }
  std::map<int, Entry> Ports() const {
    std::lock_guard lock(mu_);
    return ports_;
  }
  std::vector<std::string> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests whose verb (text before ':' or the whole text) is `verb`.
  int Count(const std::string& verb) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& r : requests_) n += r.substr(0, r.find(':')) == verb;
    return n;
  }
  // Adds that hit a port that was running: on a real manager those kill the live ss-server.
  int LiveReadds() const { return live_readds_; }
  // Ports whose entry manager.c's split bug left out of the last ping reply.
  std::vector<int> DroppedInLastPing() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  void Loop() {
    std::string buf(65536, '\0');
    while (true) {
      pollfd pfds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(pfds, 2, -1) < 0) continue;
      if (pfds[1].revents != 0) return;
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) continue;
      const std::string request(buf.data(), static_cast<std::size_t>(n));
      for (const auto& reply : Answer(request)) {
        ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
      }
    }
  }

  std::vector<std::string> Answer(const std::string& request) {
    Override o;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      o = override_;
    }
    if (silent_) return {};
    if (o) {
      if (auto replies = o(request)) return *replies;
    }
    const std::string verb = request.substr(0, request.find(':'));
    std::lock_guard lock(mu_);
    if (verb == "ping") return PingReply();
    if (verb == "list") return ListReply();
    if (verb != "add" && verb != "remove") return {};  // ss-manager ignores unknown verbs
    const auto brace = request.find('{');
    auto body = brace == std::string::npos
                    ? nlohmann::json()
                    : nlohmann::json::parse(request.substr(brace), nullptr, false);
    if (!body.is_object() || !body.contains("server_port")) return {"err"};
    const auto& p = body["server_port"];
    int port = 0;
    try {
      port = p.is_string() ? std::stoi(p.get<std::string>()) : p.get<int>();
    } catch (const std::exception&) {
      return {"err"};
    }
    if (verb == "remove") {
      ports_.erase(port);
      return {"ok"};
    }
    if (!body.contains("password") || !body["password"].is_string()) return {"err"};
    if (ports_.erase(port) > 0) ++live_readds_;
    if (auto b = busy_.find(port); b != busy_.end() && b->second > 0) {
      --b->second;
      return {"port is not available"};
    }
    ports_[port] = {body["password"].get<std::string>(), body.value("method", "default-method"), 0};
    return {"ok"};
  }

  // manager.c: when a chunk passes the limit it turns the last ',' into '}', sends it, and starts
  // the next chunk empty, losing the entry it was looking at.
  std::vector<std::string> PingReply() {
    std::vector<std::string> out;
    dropped_.clear();
    std::string buf = "stat: {";
    for (const auto& [port, e] : ports_) {
      if (ping_split_ > 0 && buf.size() > ping_split_) {
        buf.back() = '}';
        out.push_back(buf);
        buf.clear();
        dropped_.push_back(port);
        continue;
      }
      buf += "\"" + std::to_string(port) + "\":" + std::to_string(e.traffic) + ",";
    }
    if (buf.size() > 7) {
      buf.back() = '}';
    } else {
      buf += '}';
    }
    out.push_back(buf);
    return out;
  }

  std::vector<std::string> ListReply() {
    std::vector<std::string> out;
    std::string buf = "[";
    for (const auto& [port, e] : ports_) {
      if (list_split_ > 0 && buf.size() > list_split_) {
        out.push_back(buf);
        buf.clear();
      }
      buf += "\n\t{\"server_port\":\"" + std::to_string(port) + "\",\"password\":\"" + e.password +
             "\",\"method\":\"" + e.method + "\"},";
    }
    if (buf.size() > 1 && buf.back() == ',') buf.pop_back();
    buf += "\n]";
    out.push_back(buf);
    return out;
  }

  int fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> silent_{false};
  std::atomic<std::size_t> ping_split_{0};
  std::atomic<std::size_t> list_split_{0};
  std::atomic<int> live_readds_{0};
  mutable std::mutex mu_;
  Override override_;
  std::map<int, Entry> ports_;
  std::map<int, int> busy_;
  std::vector<std::string> requests_;
  std::vector<int> dropped_;
};

}  // namespace vpnhub::vpn::test
