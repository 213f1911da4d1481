#pragma once
// Structured events: a stable event name plus fields. Adapters render them (JSON or text).
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace vpnhub::ports {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogField {
  std::string key;
  std::string value;
  bool quoted = true;  // false for numbers and booleans
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  LogField(std::string k, N v)
      : key(std::move(k)),
        value(std::is_same_v<N, bool> ? (v ? "true" : "false") : std::to_string(v)),
        quoted(false) {}
};

// Thread-safe.
class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual void Log(LogLevel level, std::string_view event,
                   std::initializer_list<LogField> fields) = 0;
  void Info(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, event, fields);
  }
  void Warn(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarn, event, fields);
  }
  void Error(std::string_view event, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, event, fields);
  }
};

}  // namespace vpnhub::ports
