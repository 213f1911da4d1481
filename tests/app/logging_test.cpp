#include "app/logging.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "fakes/fake_clock.hpp"

namespace vpnhub::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;
using ports::LogLevel;

// 2026-11-26T15:04:05.123Z
Time Example() {
  using namespace std::chrono;
  return Time(sys_days(year(2026) / 11 / 26).time_since_epoch() + hours(15) + minutes(4) +
              seconds(5) + milliseconds(123));
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LoggingTest, ParseLogLevel) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("WARNING"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("Error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
  EXPECT_EQ(ParseLogLevel("trace"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("info "), std::nullopt);
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(l)), l);
  }
}

TEST(LoggingTest, TimestampIsUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(Example()), "2026-11-26T15:04:05.123Z");
  EXPECT_EQ(FormatTimestamp(FromUnixMs(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(FromUnixMs(951782400007)), "2000-02-29T00:00:00.007Z");
}

TEST(LoggingTest, JsonLineHasTimeLevelEventAndTypedFields) {
  const std::string line =
      FormatLogLine(Example(), LogLevel::kInfo, "key.revoked",
                    {{"key_id", 5}, {"server", "nl-1"}, {"trial", true}, {"ratio", 1.5}}, true);
  EXPECT_THAT(line, StartsWith(R"({"ts":"2026-11-26T15:04:05.123Z","level":"info","event":)"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const json j = json::parse(line);
  EXPECT_EQ(j.at("ts"), "2026-11-26T15:04:05.123Z");
  EXPECT_EQ(j.at("level"), "info");
  EXPECT_EQ(j.at("event"), "key.revoked");
  ASSERT_TRUE(j.at("key_id").is_number_integer());
  EXPECT_EQ(j.at("key_id"), 5);
  EXPECT_EQ(j.at("server"), "nl-1");
  EXPECT_EQ(j.at("trial"), true);
  EXPECT_DOUBLE_EQ(j.at("ratio").get<double>(), 1.5);
  EXPECT_EQ(j.size(), 7u);
}

TEST(LoggingTest, JsonEscapesQuotesNewlinesAndControlCharacters) {
  const std::string nasty = "say \"hi\"\nback\\slash\ttab\x01 end";
  const std::string line =
      FormatLogLine(Example(), LogLevel::kError, "odd \"event\"", {{"msg", nasty}}, true);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const json j = json::parse(line);
  EXPECT_EQ(j.at("level"), "error");
  EXPECT_EQ(j.at("event"), "odd \"event\"");
  EXPECT_EQ(j.at("msg"), nasty);
}

TEST(LoggingTest, JsonKeepsUtf8AndReplacesInvalidBytes) {
  const std::string line = FormatLogLine(Example(), LogLevel::kInfo, "e",
                                         {{"ok", "Привет 🚀"}, {"bad", "a\xff\xc3z"}}, true);
  const json j = json::parse(line);  // throws on invalid UTF-8
  EXPECT_EQ(j.at("ok"), "Привет 🚀");
  EXPECT_EQ(j.at("bad"), "a\xEF\xBF\xBD\xEF\xBF\xBDz");
}

TEST(LoggingTest, JsonUnquotedNonNumbersBecomeStrings) {
  ports::LogField not_a_number("x", 0);
  not_a_number.value = "nan";
  const json j = json::parse(FormatLogLine(Example(), LogLevel::kInfo, "e", {not_a_number}, true));
  EXPECT_EQ(j.at("x"), "nan");
}

TEST(LoggingTest, JsonFieldsCannotHideTheEventName) {
  const json j = json::parse(
      FormatLogLine(Example(), LogLevel::kWarn, "real", {{"event", "fake"}, {"level", 1}}, true));
  EXPECT_EQ(j.at("event"), "real");
  EXPECT_EQ(j.at("level"), "warn");
  EXPECT_EQ(j.at("field_event"), "fake");
  EXPECT_EQ(j.at("field_level"), 1);
}

TEST(LoggingTest, TextLine) {
  EXPECT_EQ(FormatLogLine(Example(), LogLevel::kInfo, "key.revoked",
                          {{"key_id", 5}, {"reason", "no capacity"}, {"server", "nl-1"}}, false),
            "2026-11-26T15:04:05.123Z INFO key.revoked key_id=5 reason=\"no capacity\" "
            "server=nl-1");
  EXPECT_EQ(FormatLogLine(Example(), LogLevel::kWarn, "w", {}, false),
            "2026-11-26T15:04:05.123Z WARN w");
}

TEST(LoggingTest, TextEscapesSoEachEventStaysOneLine) {
  const std::string line = FormatLogLine(Example(), LogLevel::kDebug, "e",
                                         {{"msg", "a \"b\"\nc\\d\x01"}, {"empty", ""}}, false);
  EXPECT_EQ(line, "2026-11-26T15:04:05.123Z DEBUG e msg=\"a \\\"b\\\"\\nc\\\\d\\x01\" empty=\"\"");
}

class SpdlogEventLogTest : public ::testing::Test {
 protected:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ostream_sink_mt>(out_, /*force_flush=*/true);
  fakes::FakeClock clock_{Example()};
};

TEST_F(SpdlogEventLogTest, WritesOneJsonLinePerEventAtOrAboveTheMinimum) {
  SpdlogEventLog log(LogLevel::kInfo, /*json=*/true, sink_, &clock_);
  log.Log(LogLevel::kDebug, "dropped", {});
  log.Info("key.revoked", {{"key_id", 5}});
  clock_.Advance(std::chrono::milliseconds(1));
  log.Warn("server.down", {{"server", "nl-1"}});
  log.Error("task.failed");

  const auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  EXPECT_EQ(out_.str().back(), '\n');
  const json first = json::parse(lines[0]);
  EXPECT_EQ(first.at("event"), "key.revoked");
  EXPECT_EQ(first.at("level"), "info");
  EXPECT_EQ(first.at("key_id"), 5);
  EXPECT_EQ(first.at("ts"), "2026-11-26T15:04:05.123Z");
  const json second = json::parse(lines[1]);
  EXPECT_EQ(second.at("level"), "warn");
  EXPECT_EQ(second.at("ts"), "2026-11-26T15:04:05.124Z");
  EXPECT_EQ(json::parse(lines[2]).at("level"), "error");
  EXPECT_THAT(out_.str(), Not(HasSubstr("dropped")));
}

TEST_F(SpdlogEventLogTest, TextMode) {
  SpdlogEventLog log(LogLevel::kDebug, /*json=*/false, sink_, &clock_);
  log.Log(LogLevel::kDebug, "tick", {{"n", 1}});
  EXPECT_EQ(out_.str(), "2026-11-26T15:04:05.123Z DEBUG tick n=1\n");
}

TEST_F(SpdlogEventLogTest, ErrorMinimumDropsWarnings) {
  SpdlogEventLog log(LogLevel::kError, /*json=*/true, sink_, &clock_);
  log.Warn("w");
  EXPECT_EQ(out_.str(), "");
  log.Error("e");
  EXPECT_EQ(Lines(out_.str()).size(), 1u);
}

TEST_F(SpdlogEventLogTest, LinesFromManyThreadsStayWhole) {
  SpdlogEventLog log(LogLevel::kInfo, /*json=*/true, sink_, &clock_);
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kEach; ++i) {
        log.Info("tick", {{"thread", t}, {"i", i}, {"pad", std::string(64, 'x')}});
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kEach));
  std::vector<int> per_thread(kThreads, 0);
  for (const auto& line : lines) {
    const json j = json::parse(line);
    ++per_thread.at(j.at("thread").get<int>());
  }
  for (int count : per_thread) EXPECT_EQ(count, kEach);
}

TEST(SpdlogEventLogStderrTest, DefaultConstructorWritesToStderr) {
  std::FILE* capture = std::tmpfile();
  ASSERT_NE(capture, nullptr);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_GE(::dup2(::fileno(capture), STDERR_FILENO), 0);
  {
    SpdlogEventLog log(LogLevel::kInfo, /*json=*/true);
    log.Info("to.stderr", {{"n", 7}});
  }
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);

  std::rewind(capture);
  std::string text;
  char buf[512];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, capture)) > 0;) text.append(buf, n);
  std::fclose(capture);

  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  const json j = json::parse(lines[0]);
  EXPECT_EQ(j.at("event"), "to.stderr");
  EXPECT_EQ(j.at("n"), 7);
  EXPECT_EQ(j.at("ts").get<std::string>().size(), 24u);
}

}  // namespace
}  // namespace vpnhub::app
