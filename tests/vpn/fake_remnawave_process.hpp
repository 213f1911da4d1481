#pragma once
// tests/servers/remnawave/fake_remnawave.py as a child process of a test: a fake Remnawave panel
// (HTTP, bearer token, proxy-check) backed by its own real v2ray (tests/servers/v2ray/
// v2ray_core.py), on an ephemeral port, in a fresh temporary folder.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "vpn/integration_support.hpp"

#ifndef VPNHUB_FAKE_REMNAWAVE
#error "VPNHUB_FAKE_REMNAWAVE (the path of fake_remnawave.py) must be defined by the build"
#endif
#ifndef VPNHUB_PYTHON
#define VPNHUB_PYTHON "/usr/bin/python3"
#endif

namespace vpnhub::vpn::test {

// Empty when the fake can run here with v2ray; otherwise what is missing (the test skips).
inline std::string FakeRemnawaveMissing() {
  for (const char* tool : {"v2ray", "curl"}) {
    if (FindInPath(tool).empty()) return std::string(tool) + " is not installed";
  }
  const std::filesystem::path core =
      std::filesystem::path(VPNHUB_FAKE_REMNAWAVE).parent_path() / ".." / "v2ray" / "v2ray_core.py";
  if (!std::filesystem::exists(core)) return "tests/servers/v2ray/v2ray_core.py is missing";
  return "";
}

struct FakeRemnawaveOptions {
  std::string token = "rw-test-token-0123456789";
  bool v2ray = true;  // false: --no-v2ray (API only)
  bool v2 = false;    // --v2: a 2.x panel (users addressed by uuid)
};

class FakeRemnawave {
 public:
  using Options = FakeRemnawaveOptions;

  explicit FakeRemnawave(Options options = {}) : options_(std::move(options)) {
    char tmpl[] = "/tmp/vpnhub_fake_remnawave_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    Start(0);
  }
  ~FakeRemnawave() {
    child_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeRemnawave(const FakeRemnawave&) = delete;
  FakeRemnawave& operator=(const FakeRemnawave&) = delete;

  const std::string& url() const { return url_; }
  const std::string& token() const { return options_.token; }
  int port() const { return port_; }
  // The squads the fake made: "Default-Squad" (every v2ray inbound), "VLESS-TCP".
  std::string squad(const std::string& name) const { return squads_.at(name); }

  // A server row of kind remnawave for this fake, its users in the Default-Squad.
  Server server(int capacity = 10) const {
    Server s;
    s.id = 1;
    s.kind = "remnawave";
    s.name = "remnawave-test";
    s.public_host = "127.0.0.1";
    s.capacity = capacity;
    s.settings = {{"api_url", url_},
                  {"api_host", "127.0.0.1:" + std::to_string(port_)},
                  {"token", options_.token},
                  {"squads", squad("Default-Squad")}};
    return s;
  }

  void Hang() { Control("POST", "/_control/hang"); }
  void Unhang() { Control("POST", "/_control/unhang"); }
  void Forget() { Control("POST", "/_control/forget"); }
  void Seed(int n) { Control("POST", "/_control/seed?n=" + std::to_string(n)); }

  // Stops the fake (and its v2ray) and starts it again on the same port with the same state.
  void Restart() {
    child_.reset();
    Start(port_);
  }

  // How many API requests of "METHOD /route" (as the fake spells them: "POST /api/users",
  // "GET /api/users/by-username/{username}", "GET 401") were answered.
  int Requests(const std::string& method_route) {
    const auto j = nlohmann::json::parse(Control("GET", "/_control/requests"));
    return j.contains(method_route) ? j.at(method_route).get<int>() : 0;
  }

  // One API request through curl, with or without the proxy headers and the token; returns
  // curl's exit code and "HTTP_STATUS BODY".
  CommandResult Curl(const std::string& method, const std::string& route, bool proxy_headers,
                     const std::string& token) {
    std::string cmd = "curl -s -m 5 -w ' %{http_code}' -X " + method;
    if (proxy_headers) cmd += " -H 'X-Forwarded-For: 127.0.0.1' -H 'X-Forwarded-Proto: https'";
    if (!token.empty()) cmd += " -H 'Authorization: Bearer " + token + "'";
    return RunCommand(cmd + " '" + url_ + route + "'");
  }

 private:
  std::string Control(const std::string& method, const std::string& path) {
    const auto r = RunCommand("curl -s -m 10 -X " + method +
                              " http://127.0.0.1:" + std::to_string(port_) + path);
    if (r.exit_code != 0) throw std::runtime_error("fake remnawave: control " + path + " failed");
    return r.output;
  }

  void Start(int port) {
    const std::string ready = dir_ + "/ready.json";
    std::filesystem::remove(ready);
    std::vector<std::string> argv = {VPNHUB_PYTHON,  VPNHUB_FAKE_REMNAWAVE,
                                     "--state",      dir_ + "/panel",
                                     "--token",      options_.token,
                                     "--port",       std::to_string(port),
                                     "--ready-file", ready};
    if (!options_.v2ray) argv.push_back("--no-v2ray");
    if (options_.v2) argv.push_back("--v2");
    child_ = std::make_unique<ChildProcess>(argv, dir_ + "/fake.log");
    std::string line;
    const bool up = WaitFor(
        [&] {
          line = ReadFile(ready);
          return !line.empty();
        },
        std::chrono::seconds(30));
    if (!up)
      throw std::runtime_error("fake remnawave did not start: " + ReadFile(dir_ + "/fake.log"));
    const auto j = nlohmann::json::parse(line);
    url_ = j.at("url").get<std::string>();
    port_ = j.at("port").get<int>();
    squads_.clear();
    for (auto& [name, uuid] : j.at("squads").items()) squads_[name] = uuid.get<std::string>();
  }

  Options options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  int port_ = 0;
  std::map<std::string, std::string> squads_;
};

}  // namespace vpnhub::vpn::test
