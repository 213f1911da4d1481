#pragma once
// tests/servers/xui/fake_xui.py as a child process of a test: a fake 3x-ui panel (API v2 or v3)
// backed by its own real v2ray, on an ephemeral loopback port under a secret base path, in a fresh
// temporary folder. Its control routes (/_control/...) hang it, count its requests and make it
// forget its clients.
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

#ifndef VPNHUB_FAKE_XUI
#error "VPNHUB_FAKE_XUI (the path of fake_xui.py) must be defined by the build"
#endif
#ifndef VPNHUB_XUI_PYTHON
#define VPNHUB_XUI_PYTHON "/usr/bin/python3"
#endif

namespace vpnhub::vpn::test {

// Empty when the fake can run here (with v2ray unless `data_plane` is false); otherwise what is
// missing (the test skips saying so).
inline std::string FakeXuiMissing(bool data_plane = true) {
  if (!std::filesystem::exists(VPNHUB_XUI_PYTHON)) return VPNHUB_XUI_PYTHON " is missing";
  if (data_plane) {
    for (const char* tool : {"v2ray", "openssl"}) {
      if (FindInPath(tool).empty()) return std::string(tool) + " is not installed";
    }
    if (RunCommand(VPNHUB_XUI_PYTHON " -c 'import grpc' 2>/dev/null").exit_code != 0) {
      return "python3-grpcio is not installed";
    }
  }
  return "";
}

struct FakeXuiOptions {
  std::string api = "v2";  // --api
  std::string base_path = "/Zm9vYmFyUGF0aA";
  std::string username = "admin";
  std::string password = "s3cret-pass";
  std::string token = "tok-3x-ui-0123456789abcdef";
  bool data_plane = true;      // false: --no-v2ray
  bool default_client = true;  // false: --no-default-client
};

class FakeXui {
 public:
  using Options = FakeXuiOptions;

  explicit FakeXui(Options options = {}) : options_(std::move(options)), process_("xui") {
    std::vector<std::string> argv = {VPNHUB_XUI_PYTHON, VPNHUB_FAKE_XUI,
                                     "--base-path",     options_.base_path,
                                     "--state",         process_.dir() + "/state",
                                     "--api",           options_.api,
                                     "--username",      options_.username,
                                     "--password",      options_.password,
                                     "--token",         options_.token};
    if (!options_.data_plane) argv.push_back("--no-v2ray");
    if (!options_.default_client) argv.push_back("--no-default-client");
    info_ = process_.Start(argv);
  }

  const Options& options() const { return options_; }
  int port() const { return process_.port(); }
  std::string root() const { return process_.root(); }
  std::string api_url() const { return root() + options_.base_path; }
  // What fake_xui.py wrote to its ready file: {"port","inbounds":{"1":{...}},...}.
  const nlohmann::json& info() const { return info_; }

  // A server row of kind xui for inbound `inbound_id`, before prepare_server: the settings the
  // flags give (--api-url, the credentials of the fake's API generation, --inbound-id, --api).
  Server unprepared_server(int inbound_id, int capacity = 10) const {
    Server s;
    s.id = 1;
    s.kind = "xui";
    s.name = "xui-test";
    s.capacity = capacity;
    s.settings = {{"api_url", api_url()}, {"inbound_id", std::to_string(inbound_id)}};
    if (options_.api == "v3") {
      s.settings["token"] = options_.token;
    } else {
      s.settings["username"] = options_.username;
      s.settings["password"] = options_.password;
    }
    s.settings["api"] = options_.api;
    return s;
  }

  void Hang() { process_.Hang(); }
  void Unhang() { process_.Unhang(); }
  void Forget() { process_.Control("POST", "forget"); }
  void ExpireSessions() { process_.Control("POST", "expire_sessions"); }
  // n clients "seed-..." on `inbound`, commented `comment` (POST /_control/seed).
  void Seed(int n, int inbound, const std::string& comment = "") {
    process_.Control("POST", "seed?n=" + std::to_string(n) + "&inbound=" + std::to_string(inbound) +
                                 "&comment=" + comment);
  }

  // {"METHOD /route": count} of the requests answered so far (logins too).
  nlohmann::json Requests() { return process_.RequestCounts(); }
  int TotalRequests() {
    int n = 0;
    for (const auto& [route, count] : Requests().items()) n += count.get<int>();
    return n;
  }

  // Stops the fake (and its v2ray) and starts it again on the same port with the same state.
  void Restart() { info_ = process_.Restart(); }

 private:
  Options options_;
  FakePanelProcess process_;
  nlohmann::json info_;
};

}  // namespace vpnhub::vpn::test
