#pragma once
// tests/servers/node/fake_node.py as a child process of a unit test: the `vpnhub node` HTTPS API
// in memory, with a self-signed certificate, on 127.0.0.1. Commands go to its stdin (see the
// script's docstring): hang, wrong token, injected statuses, peers put there by someone else.
// Not thread-safe; one per test.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/domain.hpp"

namespace vpnhub::vpn::test {

struct FakeNodeOptions {
  std::string tunnel = "10.8.0.1/24";
  std::string endpoint = "vpn.example.com:51820";
  std::string token;  // random when empty
  bool hang = false;
};

class FakeNodeProcess {
 public:
  using Options = FakeNodeOptions;

  FakeNodeProcess() : FakeNodeProcess(Options()) {}
  explicit FakeNodeProcess(Options options) : options_(std::move(options)) {
    char tmpl[] = "/tmp/vpnhub-fake-node-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    Start(0);
  }
  ~FakeNodeProcess() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeNodeProcess(const FakeNodeProcess&) = delete;
  FakeNodeProcess& operator=(const FakeNodeProcess&) = delete;

  // Sends one command line and returns its answer line ("ok ..." / "error ...").
  std::string Command(const std::string& line) {
    const std::string out = line + "\n";
    if (::write(in_fd_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
      throw std::runtime_error("cannot write to the fake node");
    }
    return ReadLine(std::chrono::seconds(10));
  }
  // Stops the process and starts it again on the same port with the same certificate, token and
  // interface key: every peer is gone (as after a restart of wireguard-go).
  void Restart() {
    Stop();
    Start(port_);
  }
  // Stops the process: its port refuses connections.
  void Stop() {
    if (pid_ <= 0) return;
    ::close(in_fd_);  // the script ends at the end of its stdin
    ::close(out_fd_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      ::usleep(10000);
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& cert_sha256() const { return cert_sha256_; }
  const std::string& token() const { return token_; }
  const std::string& public_key() const { return public_key_; }
  int Requests() { return std::stoi(Command("requests").substr(3)); }
  nlohmann::json Peers() { return nlohmann::json::parse(Command("peers").substr(3)); }

  // A wireguard server row for this node, as PrepareServer would store it.
  Server MakeServer(int capacity = 10) const {
    Server s;
    s.id = 9;
    s.name = "wg-1";
    s.kind = "wireguard";
    s.public_host = "vpn.example.com";
    s.capacity = capacity;
    s.settings = {{"node", url()},
                  {"cert_sha256", cert_sha256_},
                  {"token", token_},
                  {"public_key", public_key_},
                  {"listen_port", "51820"},
                  {"endpoint", options_.endpoint},
                  {"tunnel", options_.tunnel}};
    return s;
  }

 private:
  void Start(int port) {
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    std::vector<std::string> args = {
        "/usr/bin/python3",   VPNHUB_FAKE_NODE, "--dir",         dir_,         "--port",
        std::to_string(port), "--tunnel",       options_.tunnel, "--endpoint", options_.endpoint};
    const std::string token = token_.empty() ? options_.token : token_;
    if (!token.empty()) args.insert(args.end(), {"--token", token});
    if (!public_key_.empty()) args.insert(args.end(), {"--public-key", public_key_});
    if (options_.hang) args.push_back("--hang");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(in_pipe[0], 0);
      ::dup2(out_pipe[1], 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    in_fd_ = in_pipe[1];
    out_fd_ = out_pipe[0];
    buffer_.clear();
    auto hello = nlohmann::json::parse(ReadLine(std::chrono::seconds(20)));
    port_ = hello.at("port").get<int>();
    cert_sha256_ = hello.at("cert_sha256").get<std::string>();
    token_ = hello.at("token").get<std::string>();
    public_key_ = hello.at("public_key").get<std::string>();
  }

  std::string ReadLine(std::chrono::milliseconds timeout) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          give_up - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("the fake node did not answer");
      pollfd pfd{out_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("the fake node exited");
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  Options options_;
  std::string dir_;
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  int port_ = 0;
  std::string cert_sha256_;
  std::string token_;
  std::string public_key_;
};

}  // namespace vpnhub::vpn::test
