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
#include "vpn/common/http_call.hpp"
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

  explicit FakeXui(Options options = {}) : options_(std::move(options)) {
    char tmpl[] = "/tmp/vpnhub_fake_xui_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    Start(0);
  }
  ~FakeXui() {
    child_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeXui(const FakeXui&) = delete;
  FakeXui& operator=(const FakeXui&) = delete;

  const Options& options() const { return options_; }
  int port() const { return port_; }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port_); }
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

  void Hang() { Control("POST", "/_control/hang"); }
  void Unhang() { Control("POST", "/_control/unhang"); }
  void Forget() { Control("POST", "/_control/forget"); }
  void ExpireSessions() { Control("POST", "/_control/expire_sessions"); }
  // n clients "seed-..." on `inbound`, commented `comment` (POST /_control/seed).
  void Seed(int n, int inbound, const std::string& comment = "") {
    Control("POST", "/_control/seed?n=" + std::to_string(n) +
                        "&inbound=" + std::to_string(inbound) + "&comment=" + comment);
  }

  // {"METHOD /route": count} of the requests answered so far (logins too).
  nlohmann::json Requests() { return nlohmann::json::parse(Control("GET", "/_control/requests")); }
  int TotalRequests() {
    int n = 0;
    for (const auto& [route, count] : Requests().items()) n += count.get<int>();
    return n;
  }

  // Stops the fake (and its v2ray) and starts it again on the same port with the same state.
  void Restart() {
    child_.reset();
    Start(port_);
  }

 private:
  std::string Log() const { return ReadFile(dir_ + "/fake.log"); }

  std::string Control(const std::string& method, const std::string& route) {
    auto r = HttpCall(method, root() + route, {}, "", std::chrono::seconds(20));
    if (!r.ok() || r->status != 200) {
      throw std::runtime_error("fake xui: " + method + " " + route + " failed: " +
                               (r.ok() ? std::to_string(r->status) : r.status().ToString()));
    }
    return r->body;
  }

  void Start(int port) {
    const std::string ready = dir_ + "/ready.json";
    std::filesystem::remove(ready);
    std::vector<std::string> argv = {VPNHUB_XUI_PYTHON, VPNHUB_FAKE_XUI,
                                     "--port",          std::to_string(port),
                                     "--base-path",     options_.base_path,
                                     "--state",         dir_ + "/state",
                                     "--api",           options_.api,
                                     "--username",      options_.username,
                                     "--password",      options_.password,
                                     "--token",         options_.token,
                                     "--ready-file",    ready};
    if (!options_.data_plane) argv.push_back("--no-v2ray");
    if (!options_.default_client) argv.push_back("--no-default-client");
    child_ = std::make_unique<ChildProcess>(argv, dir_ + "/fake.log");
    const bool up = WaitFor([&] { return std::filesystem::exists(ready) || !child_->Running(); },
                            std::chrono::seconds(30));
    if (!up || !std::filesystem::exists(ready)) {
      throw std::runtime_error("fake xui did not start: " + Log());
    }
    info_ = nlohmann::json::parse(ReadFile(ready));
    port_ = info_.at("port").get<int>();
  }

  Options options_;
  std::string dir_;
  std::unique_ptr<ChildProcess> child_;
  nlohmann::json info_;
  int port_ = 0;
};

}  // namespace vpnhub::vpn::test
