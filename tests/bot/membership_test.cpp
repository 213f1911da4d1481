#include "bot/membership.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::bot {
namespace {

class MembershipTest : public ::testing::Test {
 protected:
  CachingMembershipChecker Make(MembershipCacheOptions options = {}) {
    return CachingMembershipChecker(
        [this](std::int64_t user) -> Result<bool> {
          ++calls[user];
          if (!fail.ok()) return fail;
          return members.count(user) > 0;
        },
        clock, options, &registry);
  }

  fakes::FakeClock clock;
  metrics::Registry registry;
  std::set<std::int64_t> members;
  std::map<std::int64_t, int> calls;
  Status fail;
};

TEST_F(MembershipTest, MembersAreCachedForTheTtl) {
  auto checker = Make();
  members.insert(1);
  EXPECT_TRUE(checker.IsMember(1));
  members.erase(1);
  clock.Advance(std::chrono::seconds(299));
  EXPECT_TRUE(checker.IsMember(1));
  EXPECT_EQ(calls[1], 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(checker.IsMember(1));
  EXPECT_EQ(calls[1], 2);
}

TEST_F(MembershipTest, NonMembersAreCachedBriefly) {
  auto checker = Make();
  EXPECT_FALSE(checker.IsMember(2));
  members.insert(2);
  clock.Advance(std::chrono::seconds(29));
  EXPECT_FALSE(checker.IsMember(2));
  EXPECT_EQ(calls[2], 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(checker.IsMember(2));
  EXPECT_EQ(calls[2], 2);
}

TEST_F(MembershipTest, ForgetAsksAgain) {
  auto checker = Make();
  EXPECT_FALSE(checker.IsMember(3));
  members.insert(3);
  checker.Forget(3);
  EXPECT_TRUE(checker.IsMember(3));
  EXPECT_EQ(calls[3], 2);
}

TEST_F(MembershipTest, FailuresFailOpenAreCountedAndRetriedAfterTheShortTtl) {
  auto checker = Make();
  fail = Unavailable("down");
  EXPECT_TRUE(checker.IsMember(4));
  EXPECT_TRUE(checker.IsMember(4));
  EXPECT_EQ(calls[4], 1);
  EXPECT_EQ(registry.GetCounter("vpnhub_bot_membership_errors_total", "").Value(), 1);
  fail = Status::Ok();
  clock.Advance(std::chrono::seconds(30));
  EXPECT_FALSE(checker.IsMember(4));
  EXPECT_EQ(calls[4], 2);
}

TEST_F(MembershipTest, PeopleAreCachedSeparatelyAndTheCacheStaysBounded) {
  MembershipCacheOptions options;
  options.max_entries = 3;
  auto checker = Make(options);
  for (std::int64_t u = 10; u < 20; ++u) checker.IsMember(u);
  for (std::int64_t u = 10; u < 20; ++u) EXPECT_EQ(calls[u], 1) << u;
  checker.IsMember(19);  // the newest entry survived the pruning
  EXPECT_EQ(calls[19], 1);
}

}  // namespace
}  // namespace vpnhub::bot
