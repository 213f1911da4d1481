#pragma once
// tests/servers/outline/fake_outline.py as a child process of a test: a fake Outline server over
// HTTPS backed by its own real ss-manager, on an ephemeral port, in a fresh temporary folder.
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "vpn/integration_support.hpp"

#ifndef VPNHUB_FAKE_OUTLINE
#error "VPNHUB_FAKE_OUTLINE (the path of fake_outline.py) must be defined by the build"
#endif
#ifndef VPNHUB_PYTHON
#define VPNHUB_PYTHON "/usr/bin/python3"
#endif

namespace vpnhub::vpn::test {

// Empty when the fake can run here; otherwise what is missing (the test skips saying so).
inline std::string FakeOutlineMissing() {
  for (const char* tool : {"ss-manager", "ss-server", "openssl"}) {
    if (FindInPath(tool).empty()) return std::string(tool) + " is not installed";
  }
  return "";
}

struct FakeOutlineOptions {
  std::string secret = "Zm9vYmFyU2VjcmV0";  // the API's path prefix
  bool old_api = false;                     // --old-api: a server before 1.8
  bool hang = false;                        // --hang: start hung
};

class FakeOutline {
 public:
  using Options = FakeOutlineOptions;

  explicit FakeOutline(Options options = {}) : options_(std::move(options)) {
    char tmpl[] = "/tmp/vpnhub_fake_outline_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    Start(0);
  }
  ~FakeOutline() {
    child_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeOutline(const FakeOutline&) = delete;
  FakeOutline& operator=(const FakeOutline&) = delete;

  const std::string& api_url() const { return api_url_; }
  const std::string& cert_sha256() const { return cert_sha256_; }  // upper-case hex, as Outline
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // The installer's line.
  std::string json_line() const {
    return nlohmann::json{{"apiUrl", api_url_}, {"certSha256", cert_sha256_}}.dump();
  }

  // A server row of kind outline for this fake.
  Server server(int capacity = 10) const {
    Server s;
    s.id = 1;
    s.kind = "outline";
    s.name = "outline-test";
    s.public_host = "127.0.0.1";
    s.capacity = capacity;
    s.settings = {{"api_url", api_url_}, {"cert_sha256", cert_sha256_}};
    return s;
  }

  // SIGUSR1 / SIGUSR2, returning once the fake printed that it took it.
  void Hang() { Signal(SIGUSR1, "hang on"); }
  void Unhang() { Signal(SIGUSR2, "hang off"); }

  // Stops the fake (and its ss-manager) and starts it again on the same port with the same
  // certificate, secret and keys.
  void Restart() {
    child_.reset();
    Start(port_);
  }

  // Makes the next `times` API requests answer `status` (POST /_control/fail).
  void FailNext(int status, int times = 1) {
    const std::string cmd =
        "curl -sk -o /dev/null -X POST -d '{\"status\":" + std::to_string(status) +
        ",\"times\":" + std::to_string(times) + "}' https://127.0.0.1:" + std::to_string(port_) +
        "/_control/fail";
    if (RunCommand(cmd).exit_code != 0) throw std::runtime_error("fake outline: control failed");
  }

  // How many API requests of "METHOD /route" (as the fake's routes spell them:
  // "GET /access-keys", "PUT /access-keys/{id}") were answered (GET /_control/requests).
  int Requests(const std::string& method_route) {
    const auto r =
        RunCommand("curl -sk https://127.0.0.1:" + std::to_string(port_) + "/_control/requests");
    if (r.exit_code != 0) throw std::runtime_error("fake outline: control failed");
    const auto j = nlohmann::json::parse(r.output);
    return j.contains(method_route) ? j.at(method_route).get<int>() : 0;
  }

 private:
  std::string Log() const { return ReadFile(dir_ + "/fake.log"); }

  void Start(int port) {
    std::vector<std::string> argv = {VPNHUB_PYTHON, VPNHUB_FAKE_OUTLINE, "--dir",
                                     dir_ + "/box", "--secret",          options_.secret,
                                     "--port",      std::to_string(port)};
    if (options_.old_api) argv.push_back("--old-api");
    if (options_.hang) argv.push_back("--hang");
    std::filesystem::remove(dir_ + "/fake.log");
    child_ = std::make_unique<ChildProcess>(argv, dir_ + "/fake.log");
    std::string line;
    const bool up = WaitFor(
        [&] {
          const std::string log = Log();
          const auto at = log.find("{\"apiUrl\"");
          if (at == std::string::npos) return false;
          const auto end = log.find('\n', at);
          if (end == std::string::npos) return false;
          line = log.substr(at, end - at);
          return true;
        },
        std::chrono::seconds(20));
    if (!up) throw std::runtime_error("fake outline did not start: " + Log());
    const auto j = nlohmann::json::parse(line);
    api_url_ = j.at("apiUrl").get<std::string>();
    cert_sha256_ = j.at("certSha256").get<std::string>();
    const auto colon = api_url_.rfind(':');
    port_ = std::stoi(api_url_.substr(colon + 1));
    hang_lines_ = 0;
  }

  void Signal(int sig, const std::string& ack) {
    const int want = ++hang_lines_;
    ::kill(child_->pid(), sig);
    const bool acked = WaitFor(
        [&] {
          const std::string log = Log();
          int n = 0;
          for (auto at = log.find("hang "); at != std::string::npos;
               at = log.find("hang ", at + 1)) {
            ++n;
          }
          return n >= want && log.rfind(ack) != std::string::npos;
        },
        std::chrono::seconds(5));
    if (!acked) throw std::runtime_error("fake outline did not take the signal");
  }

  Options options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
  std::string api_url_, cert_sha256_;
  int port_ = 0;
  int hang_lines_ = 0;
};

}  // namespace vpnhub::vpn::test
