#pragma once
#include <mutex>
#include <string>
#include <vector>

#include "core/ports/event_log.hpp"

namespace vpnhub::fakes {

// Keeps every event name it is given, for assertions.
class CapturingLog : public ports::EventLog {
 public:
  void Log(ports::LogLevel, std::string_view event,
           std::initializer_list<ports::LogField>) override {
    std::lock_guard lock(mu_);
    events_.emplace_back(event);
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  int Count(const std::string& name) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& e : events_) n += e == name;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace vpnhub::fakes
