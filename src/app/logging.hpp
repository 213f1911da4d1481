#pragma once
// The EventLog adapter: one line per event through spdlog, as JSON or as text.
#include <spdlog/common.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/time.hpp"

namespace spdlog {
class logger;
}

namespace vpnhub::app {

// "debug", "info", "warn" or "error" (case-insensitive; "warning" too); nullopt otherwise.
std::optional<ports::LogLevel> ParseLogLevel(std::string_view name);
// "debug", "info", "warn", "error".
const char* LogLevelName(ports::LogLevel level);

// "2026-11-26T15:04:05.123Z" (UTC, milliseconds).
std::string FormatTimestamp(Time t);

// One log line without the trailing newline.
//   json: {"ts":"2026-11-26T15:04:05.123Z","level":"info","event":"key.revoked","key_id":5}
//         Fields follow in the given order; quoted fields are JSON strings (escaped; invalid UTF-8
//         becomes U+FFFD), unquoted fields are written bare when they are a JSON number or
//         true/false and as strings otherwise. A field named ts, level or event is written as
//         field_ts, field_level, field_event so it cannot hide the line's own.
//   text: 2026-11-26T15:04:05.123Z INFO key.revoked key_id=5 reason="no capacity"
//         A quoted value is put in double quotes (with \" \\ \n \r \t and \xNN escapes) when it is
//         empty or holds a space, '"', '=', '\' or a control character; otherwise it is bare.
std::string FormatLogLine(Time ts, ports::LogLevel level, std::string_view event,
                          std::initializer_list<ports::LogField> fields, bool json);

// Writes events at or above `min` as FormatLogLine lines. Thread-safe: lines are formatted on the
// calling thread and written whole by a mutex-guarded sink.
class SpdlogEventLog : public ports::EventLog {
 public:
  // Writes to stderr, stamped by the system clock.
  SpdlogEventLog(ports::LogLevel min, bool json);
  // Writes to `sink` (its pattern is set to "%v"), stamped by `clock`, or by the system clock when
  // `clock` is null. `clock` must outlive this object.
  SpdlogEventLog(ports::LogLevel min, bool json, spdlog::sink_ptr sink,
                 const ports::Clock* clock = nullptr);
  ~SpdlogEventLog() override;
  SpdlogEventLog(const SpdlogEventLog&) = delete;
  SpdlogEventLog& operator=(const SpdlogEventLog&) = delete;

  void Log(ports::LogLevel level, std::string_view event,
           std::initializer_list<ports::LogField> fields) override;

 private:
  const ports::LogLevel min_;
  const bool json_;
  const ports::Clock* const clock_;
  std::unique_ptr<spdlog::logger> logger_;
};

// Drops every event: the log of a CLI command whose output is its result alone.
class NullEventLog : public ports::EventLog {
 public:
  void Log(ports::LogLevel, std::string_view, std::initializer_list<ports::LogField>) override {}
};

}  // namespace vpnhub::app
