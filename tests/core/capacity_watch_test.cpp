// Capacity alerts (usecases::CapacityWatch): one alert when a location passes 90 % of the slots
// of its healthy, enabled servers, none while it stays over, and again after it was back under.
#include "core/usecases/capacity_watch.hpp"

#include <gmock/gmock.h>

#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using ::testing::HasSubstr;

constexpr TgId kAdmin = 42;

class CapacityWatchTest : public UseCaseTest {
 protected:
  void SetUp() override {
    UseCaseTest::SetUp();
    policy.admins = {kAdmin};
    policy.cooldown = std::chrono::seconds(0);  // the watch alone decides when to alert again
    watch = std::make_unique<usecases::CapacityWatch>(*store, &policy, clock);
  }

  std::vector<OutgoingMessage> Alerts() {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.messages().ListMessages(std::nullopt, 1000);
                      if (!r.ok()) return r.status();
                      for (auto& m : *r) {
                        if (m.kind == MessageKind::kAdminAlert) out.push_back(m);
                      }
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  usecases::AlertPolicy policy;
  std::unique_ptr<usecases::CapacityWatch> watch;
};

TEST_F(CapacityWatchTest, OneAlertPastNinetyPercentAndAgainOnlyAfterComingBackUnder) {
  AddServer(10);
  std::vector<Id> ids;
  for (int i = 0; i < 9; ++i) {
    auto k = keys->Issue(Request(100 + i));
    ASSERT_TRUE(k.ok());
    ids.push_back(k->key.id);
  }
  auto loads = watch->Check();  // 9 of 10: at 90 %, not past it
  ASSERT_TRUE(loads.ok());
  ASSERT_EQ(loads->size(), 1u);
  EXPECT_EQ(loads->front().used, 9);
  EXPECT_EQ(loads->front().capacity, 10);
  EXPECT_TRUE(Alerts().empty());

  ASSERT_TRUE(keys->Issue(Request(200)).ok());  // 10 of 10
  ASSERT_TRUE(watch->Check().ok());
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].chat_id, kAdmin);
  EXPECT_THAT(alerts[0].text, HasSubstr("\"nl\" is at 10 of 10 slots"));
  ASSERT_TRUE(watch->Check().ok());  // still over: no second alert
  EXPECT_EQ(Alerts().size(), 1u);

  // Back under (a key revoked and its slot freed), then over again: a new alert.
  ASSERT_TRUE(keys->Revoke(ids[0], "test").ok());
  ASSERT_TRUE(keys->Revoke(ids[1], "test").ok());
  for (const Task& t : TasksIn(TaskState::kPending)) {
    if (t.kind == TaskKind::kRevokeKey) executor->RunClaimed(Claim(t.id));
  }
  ASSERT_TRUE(watch->Check().ok());  // 8 of 10
  EXPECT_EQ(Alerts().size(), 1u);
  ASSERT_TRUE(keys->Issue(Request(300)).ok());
  ASSERT_TRUE(keys->Issue(Request(301)).ok());
  ASSERT_TRUE(watch->Check().ok());
  EXPECT_EQ(Alerts().size(), 2u);
}

TEST_F(CapacityWatchTest, OnlyHealthyEnabledServersCountAsCapacity) {
  Server a = AddServer(10, "a.example.com");
  AddServer(10, "b.example.com");
  ASSERT_TRUE(keys->Issue(Request(1)).ok());
  ASSERT_TRUE(watch->Check().ok());
  EXPECT_TRUE(Alerts().empty());  // 1 of 20
  ASSERT_TRUE(catalog->SetServerEnabled(a.id, false).ok());
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) {
                    auto all = tx.catalog().ListServers(std::nullopt);
                    if (!all.ok()) return all.status();
                    return tx.catalog().SetServerHealthy(all->back().id, false);
                  })
                  .ok());
  auto loads = watch->Check();  // 1 key, no healthy enabled slot
  ASSERT_TRUE(loads.ok());
  EXPECT_EQ(loads->front().capacity, 0);
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST(OverCapacityTest, StrictlyPastThePercent) {
  EXPECT_FALSE(usecases::OverCapacity({1, "x", 0, 0}, 90));
  EXPECT_FALSE(usecases::OverCapacity({1, "x", 90, 100}, 90));
  EXPECT_TRUE(usecases::OverCapacity({1, "x", 91, 100}, 90));
  EXPECT_TRUE(usecases::OverCapacity({1, "x", 1, 0}, 90));
}

}  // namespace
}  // namespace vpnhub
