#include "nats/nats_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef VPNHUB_NATS_SERVER
#define VPNHUB_NATS_SERVER "/usr/sbin/nats-server"  // where Debian 12 puts it
#endif

namespace vpnhub::nats {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kStartDeadline{15000};
constexpr milliseconds kStopDeadline{10000};
constexpr milliseconds kPoll{10};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool AcceptsTcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Reaps the child if it has exited; true when it is gone (its wait status in *status).
bool Reaped(pid_t pid, int* status = nullptr) {
  int ignored = 0;
  const pid_t r = ::waitpid(pid, status == nullptr ? &ignored : status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

std::atomic<int> next_server_id{0};

}  // namespace

Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(Errno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc == 0) rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string error = rc == 0 ? "" : Errno("bind");
  ::close(fd);
  if (rc != 0) return Unavailable(error);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<std::unique_ptr<NatsTestServer>> NatsTestServer::Create(NatsTestServerOptions options) {
  std::string pattern = "/tmp/vpnhub-nats-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return Unavailable(Errno("mkdtemp"));
  std::unique_ptr<NatsTestServer> server(new NatsTestServer(std::move(options)));
  server->dir_ = pattern;
  server->store_dir_ =
      server->options_.store_dir.empty() ? pattern + "/store" : server->options_.store_dir;
  if (server->options_.server_name.empty()) {
    server->options_.server_name =
        "vpnhub_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_server_id++);
  }
  // A free port can be taken by someone else before the server binds it: try a few.
  Status st;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (server->options_.port != 0) {
      server->port_ = server->options_.port;
    } else {
      auto port = FreeLoopbackPort();
      if (!port.ok()) return port.status();
      server->port_ = *port;
    }
    st = server->Launch();
    if (st.ok() || server->options_.port != 0) break;
  }
  if (!st.ok()) return st;
  return server;
}

NatsTestServer::~NatsTestServer() {
  if (pid_ > 0) {
    if (paused_) ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string NatsTestServer::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

std::string NatsTestServer::Log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

Status NatsTestServer::Launch() {
  std::vector<std::string> args = {
      VPNHUB_NATS_SERVER,    "-js", "-a",       "127.0.0.1",     "-p",
      std::to_string(port_), "-sd", store_dir_, "--server_name", options_.server_name};
  if (!options_.user.empty()) {
    args.insert(args.end(), {"--user", options_.user, "--pass", options_.password});
  }
  if (!options_.token.empty()) args.insert(args.end(), {"--auth", options_.token});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = dir_ + "/server.log";

  const pid_t pid = ::fork();
  if (pid < 0) return Unavailable(Errno("fork"));
  if (pid == 0) {
    // Only async-signal-safe calls until exec; output to the log, never to ctest's pipe.
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  paused_ = false;
  const auto deadline = steady_clock::now() + kStartDeadline;
  while (steady_clock::now() < deadline) {
    int status = 0;
    if (Reaped(pid_, &status)) {
      pid_ = -1;
      const bool no_binary = WIFEXITED(status) && WEXITSTATUS(status) == 127;
      return Unavailable(std::string(no_binary ? "cannot run " VPNHUB_NATS_SERVER
                                               : "nats-server exited at start") +
                         " (wait status " + std::to_string(status) + "); log:\n" + Log());
    }
    if (AcceptsTcp(port_)) return Status::Ok();
    std::this_thread::sleep_for(kPoll);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return Unavailable("nats-server did not accept connections in time; log:\n" + Log());
}

Status NatsTestServer::Stop() {
  if (pid_ <= 0) return FailedPrecondition("nats-server is not running");
  if (paused_) ::kill(pid_, SIGCONT);
  paused_ = false;
  ::kill(pid_, SIGTERM);
  const auto deadline = steady_clock::now() + kStopDeadline;
  while (!Reaped(pid_)) {
    if (steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  pid_ = -1;
  return Status::Ok();
}

Status NatsTestServer::Start() {
  if (pid_ > 0) return FailedPrecondition("nats-server is already running");
  return Launch();
}

Status NatsTestServer::Pause() {
  if (pid_ <= 0) return FailedPrecondition("nats-server is not running");
  if (::kill(pid_, SIGSTOP) != 0) return Internal(Errno("kill SIGSTOP"));
  // kill() only queues the stop: a thread already running on another core goes on until the
  // kernel interrupts it, long enough to answer one more publish. The parent hears of the stop
  // once every thread of the group has stopped, so wait for that before calling it frozen.
  int status = 0;
  pid_t waited = -1;
  do {
    waited = ::waitpid(pid_, &status, WUNTRACED);
  } while (waited < 0 && errno == EINTR);
  if (waited != pid_) return Internal(Errno("waitpid for SIGSTOP"));
  if (!WIFSTOPPED(status)) {
    pid_ = -1;
    return Unavailable("nats-server exited instead of stopping");
  }
  paused_ = true;
  return Status::Ok();
}

Status NatsTestServer::Resume() {
  if (pid_ <= 0) return FailedPrecondition("nats-server is not running");
  if (::kill(pid_, SIGCONT) != 0) return Internal(Errno("kill SIGCONT"));
  paused_ = false;
  return Status::Ok();
}

Result<std::unique_ptr<NatsTestCluster>> NatsTestCluster::Start(int size) {
  std::vector<int> client_ports, cluster_ports;
  for (int i = 0; i < size; ++i) {
    auto client = FreeLoopbackPort();
    auto cluster = FreeLoopbackPort();
    if (!client.ok()) return client.status();
    if (!cluster.ok()) return cluster.status();
    client_ports.push_back(*client);
    cluster_ports.push_back(*cluster);
  }
  const std::string cluster_name =
      "vpnhub_test_cluster_" + std::to_string(::getpid()) + "_" + std::to_string(next_server_id++);
  auto cluster = std::make_unique<NatsTestCluster>();
  for (int i = 0; i < size; ++i) {
    std::string routes;
    for (int j = 0; j < size; ++j) {
      if (j == i) continue;
      if (!routes.empty()) routes += ",";
      routes += "nats://127.0.0.1:" + std::to_string(cluster_ports[j]);
    }
    NatsTestServerOptions options;
    options.port = client_ports[i];
    options.server_name = cluster_name + "_n" + std::to_string(i);
    options.extra_args = {"--cluster",      "nats://127.0.0.1:" + std::to_string(cluster_ports[i]),
                          "--cluster_name", cluster_name,
                          "--routes",       routes};
    auto server = NatsTestServer::Create(std::move(options));
    if (!server.ok()) return server.status();
    cluster->servers_.push_back(std::move(*server));
  }
  return cluster;
}

std::vector<std::string> NatsTestCluster::urls() const {
  std::vector<std::string> urls;
  for (const auto& s : servers_) urls.push_back(s->url());
  return urls;
}

}  // namespace vpnhub::nats
