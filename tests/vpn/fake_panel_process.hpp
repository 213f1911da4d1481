#pragma once
// A fake panel (tests/servers/<kind>/fake_<kind>.py: marzban, remnawave, xui) as a child process of
// a test, in a fresh temporary folder removed at the end: started with "--port N --ready-file F"
// added to its arguments, up once it wrote F (its JSON: port, url ...), and driven through its
// /_control/ routes (tests/servers/panel_fake_support.py: requests, hang, unhang, and the fake's
// own ones). The kind's Fake* class owns one and gives the arguments and the server row.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "vpn/common/http_call.hpp"
#include "vpn/integration_support.hpp"

namespace vpnhub::vpn::test {

class FakePanelProcess {
 public:
  // `name` names the temporary folder and the errors ("fake marzban ...").
  explicit FakePanelProcess(std::string name) : name_(std::move(name)) {
    std::string tmpl = "/tmp/vpnhub_fake_" + name_ + "_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
  }
  ~FakePanelProcess() {
    child_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakePanelProcess(const FakePanelProcess&) = delete;
  FakePanelProcess& operator=(const FakePanelProcess&) = delete;

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const { return ReadFile(dir_ + "/fake.log"); }

  // Starts `argv` on `port` (0: an ephemeral one) and waits for its ready file; returns what the
  // fake wrote there. Throws, with the fake's log, when it exits or is not up within 30 s.
  nlohmann::json Start(std::vector<std::string> argv, int port = 0) {
    argv_ = argv;
    const std::string ready = dir_ + "/ready.json";
    std::filesystem::remove(ready);
    argv.insert(argv.end(), {"--port", std::to_string(port), "--ready-file", ready});
    child_ = std::make_unique<ChildProcess>(argv, dir_ + "/fake.log");
    const bool up = WaitFor([&] { return std::filesystem::exists(ready) || !child_->Running(); },
                            std::chrono::seconds(30));
    if (!up || !std::filesystem::exists(ready)) {
      throw std::runtime_error("fake " + name_ + " did not start: " + Log());
    }
    auto info = nlohmann::json::parse(ReadFile(ready));
    port_ = info.at("port").get<int>();
    return info;
  }

  // Stops the fake and starts it again with the same arguments on the same port (its state is in
  // its folder); returns the new ready file's JSON.
  nlohmann::json Restart() {
    child_.reset();
    return Start(argv_, port_);
  }

  // `method` /_control/`what` ("hang", "seed?n=10"); the body it answered. Throws unless 200.
  std::string Control(const std::string& method, const std::string& what) {
    auto r =
        vpn::HttpCall(method, root() + "/_control/" + what, {}, "", std::chrono::seconds(60));
    if (!r.ok() || r->status != 200) {
      throw std::runtime_error(
          "fake " + name_ + ": " + method + " /_control/" + what +
          " failed: " + (r.ok() ? std::to_string(r->status) : r.status().ToString()));
    }
    return r->body;
  }
  void Hang() { Control("POST", "hang"); }
  void Unhang() { Control("POST", "unhang"); }

  // {"METHOD /route": count} of the API requests answered so far.
  nlohmann::json RequestCounts() { return nlohmann::json::parse(Control("GET", "requests")); }
  // How many requests of "METHOD /route" (as the fake spells its routes) were answered.
  int Requests(const std::string& method_route) {
    const auto j = RequestCounts();
    return j.contains(method_route) ? j.at(method_route).get<int>() : 0;
  }

 private:
  std::string name_;
  std::string dir_;
  std::vector<std::string> argv_;
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
};

}  // namespace vpnhub::vpn::test
