#pragma once
// tests/servers/amneziawg/fake_awg_easy.py run as a child process in memory mode on an ephemeral
// loopback port, with the test's controls (/_control/...) and a Server of kind amneziawg pointing
// at it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "vpn/amneziawg/awg_easy_client.hpp"
#include "vpn/integration_support.hpp"

namespace vpnhub::vpn::test {

// The obfuscation parameters the fake is started with: those of
// tests/formats/golden/awg_easy_client.awg_lines.
inline const std::vector<std::string> kGoldenAwgParams = {
    "--jc", "7",    "--jmin",     "50",   "--jmax",     "1000", "--s1",      "116",  "--s2",
    "61",   "--h1", "1139437039", "--h2", "1088834137", "--h3", "977318325", "--h4", "1379448069"};

class FakeAwgEasy {
 public:
  // `keep_state`: the fake keeps its clients in a file of its directory, so that Restart() keeps
  // them (as amnezia-wg-easy keeps wg0.json).
  explicit FakeAwgEasy(std::string password = "s3cret-admin", bool keep_state = false)
      : password_(std::move(password)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("fake_awg_" + std::to_string(::getpid()) + "_" + std::to_string(Counter()++));
    std::filesystem::create_directories(dir_);
    if (keep_state) extra_ = {"--state", (dir_ / "state.json").string()};
    Start(0);
  }
  ~FakeAwgEasy() {
    process_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Stops the fake and starts it again on the same port (its clients survive only with --state).
  void Restart() {
    process_.reset();
    Start(port_);
  }

  int port() const { return port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& password() const { return password_; }
  std::filesystem::path dir() const { return dir_; }

  Server MakeServer(const std::string& password) const {
    Server s;
    s.id = 7;
    s.kind = "amneziawg";
    s.name = "awg-test";
    s.capacity = 10;
    s.public_host = "127.0.0.1";
    s.settings = {{"api_url", url()}, {"password", password}};
    return s;
  }
  Server MakeServer() const { return MakeServer(password_); }

  nlohmann::json Control(const std::string& name, const nlohmann::json& body = {}) const {
    auto r = HttpCall(body.is_null() ? "GET" : "POST", url() + "/_control/" + name,
                      {"Content-Type: application/json"}, body.is_null() ? "" : body.dump(),
                      std::chrono::seconds(5));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    return nlohmann::json::parse(r->body, nullptr, false);
  }
  nlohmann::json Stats() const { return Control("stats"); }

  // The clients as the API lists them (logging in with the right password, its own session).
  nlohmann::json Clients() const {
    amneziawg::AwgEasyClient c(url(), password_, std::chrono::seconds(5));
    auto listed = c.ListClients();
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    nlohmann::json out = nlohmann::json::array();
    if (!listed.ok()) return out;
    for (const auto& client : *listed) out.push_back({{"id", client.id}, {"name", client.name}});
    return out;
  }

 private:
  static int& Counter() {
    static int n = 0;
    return n;
  }

  void Start(int port) {
    const std::string log = (dir_ / ("fake." + std::to_string(starts_++) + ".log")).string();
    std::vector<std::string> argv = {"/usr/bin/python3", VPNHUB_FAKE_AWG_EASY,
                                     "--password",       password_,
                                     "--port",           std::to_string(port)};
    argv.insert(argv.end(), kGoldenAwgParams.begin(), kGoldenAwgParams.end());
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    process_ = std::make_unique<ChildProcess>(argv, log);
    int found = 0;
    const bool up = WaitFor(
        [&] {
          const std::string text = ReadFile(log);
          const auto at = text.find("listening ");
          if (at == std::string::npos || text.find('\n', at) == std::string::npos) return false;
          found = std::stoi(text.substr(at + 10));
          return true;
        },
        std::chrono::seconds(20));
    if (!up) throw std::runtime_error("the fake amnezia-wg-easy did not start: " + ReadFile(log));
    port_ = found;
  }

  std::string password_;
  std::vector<std::string> extra_;
  std::filesystem::path dir_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace vpnhub::vpn::test
