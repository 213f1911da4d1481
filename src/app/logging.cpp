#include "app/logging.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cctype>
#include <chrono>
#include <cstdio>

#include "util/text.hpp"

namespace vpnhub::app {
namespace {

using util::AppendJsonString;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every level's names: in LOG_LEVEL and JSON lines, in text lines, and spdlog's.
struct LevelNames {
  ports::LogLevel level;
  const char* name;
  const char* upper;
  spdlog::level::level_enum spdlog;
};

constexpr LevelNames kLevels[] = {
    {ports::LogLevel::kDebug, "debug", "DEBUG", spdlog::level::debug},
    {ports::LogLevel::kInfo, "info", "INFO", spdlog::level::info},
    {ports::LogLevel::kWarn, "warn", "WARN", spdlog::level::warn},
    {ports::LogLevel::kError, "error", "ERROR", spdlog::level::err},
};

const LevelNames& NamesOf(ports::LogLevel level) {
  for (const auto& names : kLevels) {
    if (names.level == level) return names;
  }
  return kLevels[1];  // a value outside the enum reads as info
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool NeedsTextQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void AppendTextValue(std::string& out, std::string_view s) {
  if (!NeedsTextQuotes(s)) {
    out.append(s);
    return;
  }
  out += '"';
  util::AppendEscaped(out, s, util::EscapeStyle::kLine);
  out += '"';
}

std::string JsonFieldKey(const std::string& key) {
  if (key == "ts" || key == "level" || key == "event") return "field_" + key;
  return key;
}

}  // namespace

std::optional<ports::LogLevel> ParseLogLevel(std::string_view name) {
  const std::string n = Lower(name);
  if (n == "warning") return ports::LogLevel::kWarn;
  for (const auto& names : kLevels) {
    if (n == names.name) return names.level;
  }
  return std::nullopt;
}

const char* LogLevelName(ports::LogLevel level) { return NamesOf(level).name; }

std::string FormatTimestamp(Time t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
  return buf;
}

std::string FormatLogLine(Time ts, ports::LogLevel level, std::string_view event,
                          std::initializer_list<ports::LogField> fields, bool json) {
  std::string out;
  out.reserve(96 + 32 * fields.size());
  if (json) {
    out += "{\"ts\":\"";
    out += FormatTimestamp(ts);
    out += "\",\"level\":\"";
    out += LogLevelName(level);
    out += "\",\"event\":";
    AppendJsonString(out, event);
    for (const auto& f : fields) {
      out += ',';
      AppendJsonString(out, JsonFieldKey(f.key));
      out += ':';
      const bool bare =
          !f.quoted && (IsJsonNumber(f.value) || f.value == "true" || f.value == "false");
      if (bare) {
        out += f.value;
      } else {
        AppendJsonString(out, f.value);
      }
    }
    out += '}';
    return out;
  }
  out += FormatTimestamp(ts);
  out += ' ';
  out += NamesOf(level).upper;
  out += ' ';
  AppendTextValue(out, event);
  for (const auto& f : fields) {
    out += ' ';
    AppendTextValue(out, f.key);
    out += '=';
    AppendTextValue(out, f.value);
  }
  return out;
}

SpdlogEventLog::SpdlogEventLog(ports::LogLevel min, bool json)
    : SpdlogEventLog(min, json, std::make_shared<spdlog::sinks::stderr_sink_mt>()) {}

SpdlogEventLog::SpdlogEventLog(ports::LogLevel min, bool json, spdlog::sink_ptr sink,
                               const ports::Clock* clock)
    : min_(min),
      json_(json),
      clock_(clock),
      logger_(std::make_unique<spdlog::logger>("vpnhub", std::move(sink))) {
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::trace);  // filtering is ours, by min_
  logger_->flush_on(spdlog::level::trace);
}

SpdlogEventLog::~SpdlogEventLog() = default;

void SpdlogEventLog::Log(ports::LogLevel level, std::string_view event,
                         std::initializer_list<ports::LogField> fields) {
  if (level < min_) return;
  const Time now =
      clock_ != nullptr
          ? clock_->Now()
          : std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::string line = FormatLogLine(now, level, event, fields, json_);
  logger_->log(NamesOf(level).spdlog, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace vpnhub::app
