// The per-person token bucket in front of the router.
#include "bot/flood_guard.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace vpnhub::bot {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Verdict = FloodGuard::Verdict;

const Time kT0 = FromUnixMs(1'700'000'000'000);

FloodGuardOptions Options(double per_sec, int burst, Duration notice_every = seconds(60)) {
  FloodGuardOptions o;
  o.per_sec = per_sec;
  o.burst = burst;
  o.notice_every = notice_every;
  return o;
}

TEST(FloodGuardTest, AllowsTheBurstThenOnePerRefillAndNoticesOncePerWindow) {
  FloodGuard guard(Options(2, 3));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(guard.Admit(7, kT0), Verdict::kAllow) << i;
  EXPECT_EQ(guard.Admit(7, kT0), Verdict::kDropWithNotice);
  EXPECT_EQ(guard.Admit(7, kT0 + milliseconds(100)), Verdict::kDrop);
  EXPECT_EQ(guard.Admit(7, kT0 + milliseconds(499)), Verdict::kDrop);
  EXPECT_EQ(guard.Admit(7, kT0 + milliseconds(500)), Verdict::kAllow);  // 2 per second
  EXPECT_EQ(guard.Admit(7, kT0 + milliseconds(600)), Verdict::kDrop);   // noticed already
  EXPECT_EQ(guard.Admit(7, kT0 + seconds(60)), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(7, kT0 + seconds(60)), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(7, kT0 + seconds(60)), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(7, kT0 + seconds(60)), Verdict::kDropWithNotice);  // a new window
}

TEST(FloodGuardTest, PeopleHaveTheirOwnBuckets) {
  FloodGuard guard(Options(1, 1));
  EXPECT_EQ(guard.Admit(1, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(1, kT0), Verdict::kDropWithNotice);
  EXPECT_EQ(guard.Admit(2, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(3, kT0), Verdict::kAllow);
}

TEST(FloodGuardTest, AnEarlierTimeFromAnotherThreadRefillsNothing) {
  FloodGuard guard(Options(1, 1));
  EXPECT_EQ(guard.Admit(1, kT0 + seconds(5)), Verdict::kAllow);
  EXPECT_NE(guard.Admit(1, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(1, kT0 + seconds(6)), Verdict::kAllow);
}

TEST(FloodGuardTest, ZeroRateMeansNoLimit) {
  FloodGuard guard(Options(0, 1));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(guard.Admit(1, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.tracked(), 0u);
}

TEST(FloodGuardTest, ForgetsPeopleWhoseBucketIsFullAgainButKeepsTheBusyOnes) {
  FloodGuardOptions o = Options(1, 2, seconds(10));
  o.max_tracked = 4;
  FloodGuard guard(o);
  EXPECT_EQ(guard.Admit(1, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(2, kT0), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(3, kT0), Verdict::kAllow);
  // Person 4 floods and is told so.
  EXPECT_EQ(guard.Admit(4, kT0 + seconds(5)), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(4, kT0 + seconds(5)), Verdict::kAllow);
  EXPECT_EQ(guard.Admit(4, kT0 + seconds(5)), Verdict::kDropWithNotice);
  EXPECT_EQ(guard.tracked(), 4u);
  // Full: 1..3 have had their bucket refilled since; 4 is still inside its notice window.
  EXPECT_EQ(guard.Admit(5, kT0 + seconds(6)), Verdict::kAllow);
  EXPECT_EQ(guard.tracked(), 2u);
  EXPECT_EQ(guard.Admit(4, kT0 + seconds(6)), Verdict::kAllow);  // refilled one token
  EXPECT_EQ(guard.Admit(4, kT0 + seconds(6)), Verdict::kDrop);   // still remembered as noticed
}

}  // namespace
}  // namespace vpnhub::bot
