// The servers part of the admin summary (/admin): the health job's state, when it last changed,
// and failed probes of a server still in the pool, in English and Russian.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "bot/handlers.hpp"

namespace vpnhub::bot::admin {
namespace {

using namespace std::chrono;

Time At(int hour, int minute) {
  return Time{sys_days{year{2026} / 12 / 4}.time_since_epoch() + hours(hour) + minutes(minute)};
}

usecases::ServerView View(const std::string& name, bool enabled, bool healthy,
                          std::optional<Time> changed, int failures) {
  usecases::ServerView v;
  v.server.name = name;
  v.server.enabled = enabled;
  v.server.healthy = healthy;
  v.server.health_changed_at = changed;
  v.server.consecutive_failures = failures;
  v.server.used_slots = 3;
  v.server.capacity = 10;
  v.location = "nl";
  return v;
}

usecases::AdminSummary Summary() {
  usecases::AdminSummary s;
  s.servers = {View("never-probed", true, true, std::nullopt, 0),
               View("down", true, false, At(21, 7), 4), View("back", true, true, At(20, 30), 0),
               View("failing", true, true, std::nullopt, 2),
               View("off", false, true, At(19, 0), 0)};
  return s;
}

TEST(AdminSummaryTest, ServersShowTheirHealthAndWhenItLastChanged) {
  const std::string en = RenderSummary("en", Summary());
  for (const char* line : {
           "• never-probed (nl) — healthy, 3/10",
           "• down (nl) — unhealthy since 2026-12-04 21:07 UTC, 3/10",
           "• back (nl) — healthy since 2026-12-04 20:30 UTC, 3/10",
           "• failing (nl) — healthy, 2 failed probes in a row, 3/10",
           "• off (nl) — disabled, 3/10",
       }) {
    EXPECT_NE(en.find(line), std::string::npos) << line << "\n" << en;
  }
}

TEST(AdminSummaryTest, ServersShowTheirHealthInRussian) {
  const std::string ru = RenderSummary("ru", Summary());
  for (const char* line : {
           "• never-probed (nl) — работает, 3/10",
           "• down (nl) — недоступен с 2026-12-04 21:07 UTC, 3/10",
           "• back (nl) — работает с 2026-12-04 20:30 UTC, 3/10",
           "• failing (nl) — работает, неудачных проверок подряд: 2, 3/10",
           "• off (nl) — отключён, 3/10",
       }) {
    EXPECT_NE(ru.find(line), std::string::npos) << line << "\n" << ru;
  }
}

}  // namespace
}  // namespace vpnhub::bot::admin
