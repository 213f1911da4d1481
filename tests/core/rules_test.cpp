#include "core/rules.hpp"

#include <gtest/gtest.h>

namespace vpnhub {
namespace {

Server MakeServer(Id id, int capacity, int used, bool enabled = true, bool healthy = true) {
  Server s;
  s.id = id;
  s.capacity = capacity;
  s.used_slots = used;
  s.enabled = enabled;
  s.healthy = healthy;
  return s;
}

TEST(ChooseServer, PicksTheLeastLoadedServerWithFreeCapacity) {
  auto r = ChooseServer({MakeServer(1, 10, 5), MakeServer(2, 10, 2), MakeServer(3, 10, 7)}, "nl");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 2);
}

TEST(ChooseServer, BreaksTiesByLowerId) {
  auto r = ChooseServer({MakeServer(4, 10, 3), MakeServer(2, 10, 3)}, "nl");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 2);
}

TEST(ChooseServer, SkipsDisabledUnhealthyAndFullServers) {
  auto r = ChooseServer({MakeServer(1, 10, 0, /*enabled=*/false),
                         MakeServer(2, 10, 0, true,
                                    /*healthy=*/false),
                         MakeServer(3, 4, 4), MakeServer(4, 10, 9)},
                        "nl");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 4);
}

TEST(ChooseServer, NoServerMeansNoCapacityNamingTheLocation) {
  auto r = ChooseServer({MakeServer(1, 2, 2), MakeServer(2, 5, 0, false)}, "Amsterdam");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("Amsterdam"), std::string::npos);
  EXPECT_FALSE(ChooseServer({}, "x").ok());
}

TEST(FirstFreeSlot, FindsTheLowestGap) {
  EXPECT_EQ(FirstFreeSlot({}, 3), 0);
  EXPECT_EQ(FirstFreeSlot({0, 1, 3}, 5), 2);
  EXPECT_EQ(FirstFreeSlot({1, 2}, 5), 0);
  EXPECT_EQ(FirstFreeSlot({0, 1, 2}, 5), 3);
  EXPECT_EQ(FirstFreeSlot({0, 1, 2}, 3), std::nullopt);
  EXPECT_EQ(FirstFreeSlot({}, 0), std::nullopt);
}

TEST(BuildTariffs, PairsPricesWithMonthsByPosition) {
  auto r = BuildTariffs({150, 400}, {1, 3});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].months, 3);
  EXPECT_EQ((*r)[1].price, 400);
}

TEST(BuildTariffs, RejectsMismatchedEmptyAndNonPositive) {
  EXPECT_EQ(BuildTariffs({150, 400, 700}, {1, 3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(BuildTariffs({}, {}).ok());
  EXPECT_FALSE(BuildTariffs({100}, {0}).ok());
  EXPECT_FALSE(BuildTariffs({-1}, {1}).ok());
}

TEST(RetryPolicy, BacksOffExponentiallyUpToTheCap) {
  RetryPolicy p;
  p.base = std::chrono::seconds(2);
  p.cap = std::chrono::seconds(20);
  p.max_attempts = 5;
  EXPECT_EQ(p.DelayAfter(1), std::chrono::seconds(2));
  EXPECT_EQ(p.DelayAfter(2), std::chrono::seconds(4));
  EXPECT_EQ(p.DelayAfter(3), std::chrono::seconds(8));
  EXPECT_EQ(p.DelayAfter(5), std::chrono::seconds(20));
  EXPECT_EQ(p.DelayAfter(50), std::chrono::seconds(20));
  EXPECT_FALSE(p.GiveUp(4));
  EXPECT_TRUE(p.GiveUp(5));
}

TEST(DomainNames, RoundTrip) {
  for (auto s : {KeyState::kPending, KeyState::kActive, KeyState::kRevoking, KeyState::kRevoked,
                 KeyState::kFailed}) {
    EXPECT_EQ(ParseKeyState(KeyStateName(s)), s);
  }
  for (auto k : AllTaskKinds()) EXPECT_EQ(ParseTaskKind(TaskKindName(k)), k);
  // Any name spelled as a kind name parses; which kinds are served is the registry's answer.
  EXPECT_EQ(ParseServerKind("shadowsocks"), "shadowsocks");
  EXPECT_EQ(ParseServerKind("wireguard"), "wireguard");
  EXPECT_EQ(ParseServerKind("x3_ui2"), "x3_ui2");
  EXPECT_EQ(ParseServerKind(std::string(32, 'a')), std::string(32, 'a'));
  for (const char* bad :
       {"", "Shadowsocks", "3xui", "_ss", "ss-libev", "ss libev", "ss\n", "ключ"}) {
    EXPECT_EQ(ParseServerKind(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseServerKind(std::string(33, 'a')), std::nullopt);
  EXPECT_FALSE(HoldsSlot(KeyState::kRevoked));
  EXPECT_TRUE(HoldsSlot(KeyState::kRevoking));
}

}  // namespace
}  // namespace vpnhub
