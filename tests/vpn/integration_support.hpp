#pragma once
// Helpers for tests that run real servers as child processes on loopback: spawning and stopping
// children by pid, free ports, readiness polls with deadlines, a tiny HTTP server and curl.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::vpn::test {

using Clock = std::chrono::steady_clock;

// The full path of `name` on $PATH, or empty.
inline std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Waits for `pid` to exit; true when it did (and was reaped) before `timeout`.
inline bool WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// SIGTERM, a grace period, then SIGKILL; always reaps.
inline void StopProcess(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(3)) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  if (WaitForExit(pid, grace)) return;
  ::kill(pid, SIGKILL);
  WaitForExit(pid, std::chrono::seconds(5));
}

// A child process started with fork/exec, stdout and stderr going to `log_path`. It gets
// SIGTERM if the test process dies first. Stopped (SIGTERM, then SIGKILL) and reaped on
// destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_path);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      ::close(log_fd);
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(log_fd);
  }
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it if it has).
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void Stop() {
    if (pid_ > 0) StopProcess(pid_);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

inline int BindLoopback(int type, int port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline int BoundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A port the kernel just handed out (bound to 127.0.0.1:0, then released).
inline int FreePort(int type) {
  const int fd = BindLoopback(type, 0);
  if (fd < 0) throw std::runtime_error("cannot bind port 0");
  const int port = BoundPort(fd);
  ::close(fd);
  return port;
}

// `count` consecutive ports free for both TCP and UDP on 127.0.0.1, below the ephemeral range so
// that outgoing connections of the test do not take them meanwhile.
inline int FreePortRange(int count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> base(20000, 32000 - count);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int from = base(rng);
    bool free = true;
    for (int p = from; p < from + count && free; ++p) {
      for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
        const int fd = BindLoopback(type, p);
        if (fd < 0) {
          free = false;
          break;
        }
        ::close(fd);
      }
    }
    if (free) return from;
  }
  throw std::runtime_error("no free port range");
}

inline bool TcpConnects(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename Fn>
bool WaitFor(Fn condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Serves `body` at GET /file on 127.0.0.1:port() (HTTP/1.0, one request per connection) and 404
// for anything else, on its own thread until destruction.
class TinyHttpServer {
 public:
  explicit TinyHttpServer(std::string body) : body_(std::move(body)) {
    listen_fd_ = BindLoopback(SOCK_STREAM, 0);
    if (listen_fd_ < 0 || ::listen(listen_fd_, 16) != 0) {
      throw std::runtime_error("http server: cannot listen");
    }
    port_ = BoundPort(listen_fd_);
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("http server: pipe");
    thread_ = std::thread([this] { Loop(); });
  }
  ~TinyHttpServer() {
    const char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;

  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void Loop() {
    while (true) {
      pollfd pfds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(pfds, 2, -1) < 0) continue;
      if (pfds[1].revents != 0) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      Serve(fd);
      ::close(fd);
    }
  }
  void Serve(int fd) {
    std::string request;
    char buf[4096];
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    while (request.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<std::size_t>(n));
    }
    ++requests_;
    const bool found = request.starts_with("GET /file ");
    const std::string body = found ? body_ : "not found\n";
    const std::string response =
        std::string(found ? "HTTP/1.0 200 OK" : "HTTP/1.0 404 Not Found") +
        "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  std::string body_;
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs `command` through /bin/sh and returns its exit code and stdout.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// GET http://127.0.0.1:http_port/file through the SOCKS5 proxy on 127.0.0.1:socks_port.
inline CommandResult FetchThroughSocks(int socks_port, int http_port, int max_time_s = 5) {
  return RunCommand("curl -s --max-time " + std::to_string(max_time_s) +
                    " --socks5-hostname 127.0.0.1:" + std::to_string(socks_port) +
                    " http://127.0.0.1:" + std::to_string(http_port) + "/file 2>/dev/null");
}

}  // namespace vpnhub::vpn::test
