#pragma once
// tests/servers/marzban/fake_marzban.py as a child process of a test: a fake Marzban panel on an
// ephemeral loopback port, backed by its own real v2ray (tests/servers/v2ray/v2ray_core.py), with
// its state in a fresh temporary folder.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "vpn/fake_panel_process.hpp"
#include "vpn/integration_support.hpp"

#ifndef VPNHUB_FAKE_MARZBAN
#error "VPNHUB_FAKE_MARZBAN (the path of fake_marzban.py) must be defined by the build"
#endif

namespace vpnhub::vpn::test {

// The Python that has grpcio (v2ray_core.py's client of v2ray's API).
inline constexpr char kMarzbanPython[] = "/usr/bin/python3";

inline std::string FakeMarzbanV2rayCore() {
  return (std::filesystem::path(VPNHUB_FAKE_MARZBAN).parent_path() / ".." / "v2ray" /
          "v2ray_core.py")
      .lexically_normal()
      .string();
}

// Empty when the fake can run here with a v2ray behind it; otherwise what is missing (the test
// skips saying so).
inline std::string FakeMarzbanMissing() {
  for (const char* tool : {"v2ray", "curl"}) {
    if (FindInPath(tool).empty()) return std::string(tool) + " is not installed";
  }
  if (!std::filesystem::exists(FakeMarzbanV2rayCore())) {
    return FakeMarzbanV2rayCore() + " is not there";
  }
  if (RunCommand(std::string(kMarzbanPython) + " -c 'import grpc' 2>/dev/null").exit_code != 0) {
    return "python3-grpcio is not installed";
  }
  return "";
}

struct FakeMarzbanOptions {
  std::string username = "admin";
  std::string password = "Adm1n-Pa55";
  bool v2ray = true;  // false: --no-v2ray (nothing carries traffic)
};

class FakeMarzban {
 public:
  using Options = FakeMarzbanOptions;

  explicit FakeMarzban(Options options = {}) : options_(std::move(options)), process_("marzban") {
    std::vector<std::string> argv = {
        kMarzbanPython, VPNHUB_FAKE_MARZBAN, "--state",    process_.dir() + "/state",
        "--username",   options_.username,   "--password", options_.password};
    if (!options_.v2ray) argv.push_back("--no-v2ray");
    process_.Start(argv);
  }

  std::string api_url() const { return process_.root(); }
  int port() const { return process_.port(); }
  const Options& options() const { return options_; }

  // A server row of kind marzban for this fake, its keys in `inbound_map` (as PrepareServer
  // writes it).
  Server server(const std::string& inbound_map = R"({"vless":["VLESS TCP"]})",
                int capacity = 10) const {
    Server s;
    s.id = 1;
    s.kind = "marzban";
    s.name = "marzban-test";
    s.public_host = "127.0.0.1";
    s.capacity = capacity;
    s.settings = {{"api_url", api_url()},
                  {"api_host", "127.0.0.1:" + std::to_string(port())},
                  {"username", options_.username},
                  {"password", options_.password},
                  {"inbound_map", inbound_map}};
    return s;
  }

  void Hang() { process_.Hang(); }
  void Unhang() { process_.Unhang(); }
  // Every user dropped (a panel restored from an old backup).
  void Forget() { process_.Control("POST", "forget"); }
  // A new token signing key: the tokens given so far get 401.
  void ExpireTokens() { process_.Control("POST", "expire_tokens"); }
  // Every token gets 401 (on) or is checked again (off); a login still answers a token.
  void RefuseTokens(bool on) {
    process_.Control("POST", std::string("refuse_tokens?on=") + (on ? "1" : "0"));
  }
  void Seed(int n) { process_.Control("POST", "seed?n=" + std::to_string(n)); }

  // Stops the fake and starts it again on the same port with the same state.
  void Restart() { process_.Restart(); }

  // How many API requests of "METHOD /route" (as the fake spells them: "POST /api/user",
  // "GET /api/user/{username}") were answered.
  int Requests(const std::string& method_route) { return process_.Requests(method_route); }

  // An API call with curl (for checks of what the panel holds): the body it answered.
  std::string Api(const std::string& method, const std::string& path) {
    const auto login =
        RunCommand("curl -s -d 'username=" + options_.username + "&password=" + options_.password +
                   "' " + api_url() + "/api/admin/token");
    const auto token = nlohmann::json::parse(login.output).at("access_token").get<std::string>();
    return RunCommand("curl -s -X " + method + " -H 'Authorization: Bearer " + token + "' '" +
                      api_url() + path + "'")
        .output;
  }

 private:
  Options options_;
  FakePanelProcess process_;
};

}  // namespace vpnhub::vpn::test
