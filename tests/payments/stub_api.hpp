#pragma once
// A provider API stub for the providers' unit tests: an in-process HTTP server on 127.0.0.1 with
// one canned answer per (method, path) and every request recorded (the Python fakes under
// tests/servers/payments/ follow the providers' documentation; this only lets a test choose an
// answer and read what the provider sent).
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace vpnhub::payments::testing {

struct StubAnswer {
  int status = 200;
  std::string body;
};

struct StubRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class StubApi {
 public:
  StubApi() {
    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      StubRequest r{req.method, req.path, {}, req.body};
      for (const auto& [k, v] : req.headers) {
        std::string name = k;
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = v;
      }
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(std::move(r));
      const auto it = answers_.find(req.method + " " + req.path);
      const StubAnswer a =
          it == answers_.end() ? StubAnswer{404, R"({"type":"error"})"} : it->second;
      res.status = a.status;
      res.set_content(a.body, "application/json");
    };
    server_.set_tcp_nodelay(true);
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~StubApi() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // "GET /v3/payments/abc" answers `answer` from now on.
  void Answer(const std::string& method_path, StubAnswer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[method_path] = std::move(answer);
  }
  std::vector<StubRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, StubAnswer> answers_;
  std::vector<StubRequest> requests_;
};

}  // namespace vpnhub::payments::testing
