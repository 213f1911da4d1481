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
#include "vpn/fake_panel_process.hpp"
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

  explicit FakeRemnawave(Options options = {})
      : options_(std::move(options)), process_("remnawave") {
    std::vector<std::string> argv = {VPNHUB_PYTHON, VPNHUB_FAKE_REMNAWAVE,
                                     "--state",     process_.dir() + "/panel",
                                     "--token",     options_.token};
    if (!options_.v2ray) argv.push_back("--no-v2ray");
    if (options_.v2) argv.push_back("--v2");
    Read(process_.Start(argv));
  }

  const std::string& url() const { return url_; }
  const std::string& token() const { return options_.token; }
  int port() const { return process_.port(); }
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
                  {"api_host", "127.0.0.1:" + std::to_string(port())},
                  {"token", options_.token},
                  {"squads", squad("Default-Squad")}};
    return s;
  }

  void Hang() { process_.Hang(); }
  void Unhang() { process_.Unhang(); }
  void Forget() { process_.Control("POST", "forget"); }
  void Seed(int n) { process_.Control("POST", "seed?n=" + std::to_string(n)); }

  // Stops the fake (and its v2ray) and starts it again on the same port with the same state.
  void Restart() { Read(process_.Restart()); }

  // How many API requests of "METHOD /route" (as the fake spells them: "POST /api/users",
  // "GET /api/users/by-username/{username}", "GET 401") were answered.
  int Requests(const std::string& method_route) { return process_.Requests(method_route); }
  // {"METHOD /route": count} of every API request answered so far.
  nlohmann::json RequestCounts() { return process_.RequestCounts(); }

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
  // What the fake wrote to its ready file: its URL and the squads it made.
  void Read(const nlohmann::json& ready) {
    url_ = ready.at("url").get<std::string>();
    squads_.clear();
    for (auto& [name, uuid] : ready.at("squads").items()) squads_[name] = uuid.get<std::string>();
  }

  Options options_;
  FakePanelProcess process_;
  std::string url_;
  std::map<std::string, std::string> squads_;
};

}  // namespace vpnhub::vpn::test
