// Leadership: one holder of a job lease at a time, over the in-memory store (through a
// fault-injecting wrapper) and a fake clock, rounds driven by hand.
#include "jobs/leadership.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fault_store.hpp"
#include "fakes/memory_store.hpp"

namespace vpnhub::jobs {
namespace {

using std::chrono::seconds;

// One instance's view: a Leadership and what its callbacks saw.
struct Instance {
  Instance(ports::Store& store, fakes::FakeClock& clock, fakes::CapturingLog& log,
           const std::string& name, bool take_stale = false) {
    LeadershipOptions o;
    o.job = "telegram_bot";
    o.holder = name;
    o.ttl = seconds(30);
    o.renew_every = seconds(10);
    o.take_stale = take_stale;
    leadership = std::make_unique<Leadership>(
        store, clock, log, registry, o,
        [this]() -> Status {
          ++gained;
          return gain_result;
        },
        [this] { ++lost; });
  }
  bool leading() const { return leadership->leading(); }
  double gauge() {
    return registry.GetGauge("vpnhub_job_leader", "", {{"job", "telegram_bot"}}).Value();
  }

  metrics::Registry registry;
  std::unique_ptr<Leadership> leadership;
  int gained = 0;
  int lost = 0;
  Status gain_result;
};

class LeadershipTest : public ::testing::Test {
 protected:
  fakes::FakeClock clock;
  fakes::CapturingLog log;
  fakes::MemoryStore memory;
  fakes::FaultStore store{memory};
};

TEST_F(LeadershipTest, OneInstanceLeadsTheOtherWaitsAndTakesOverWhenTheLeaseRunsOut) {
  Instance a(store, clock, log, "a"), b(store, clock, log, "b");
  ASSERT_TRUE(a.leadership->RunOnce().ok());
  ASSERT_TRUE(b.leadership->RunOnce().ok());
  EXPECT_TRUE(a.leading());
  EXPECT_FALSE(b.leading());
  EXPECT_EQ(a.gauge(), 1);
  EXPECT_EQ(b.gauge(), 0);
  for (int round = 0; round < 5; ++round) {  // a renews every 10 s; b keeps waiting
    clock.Advance(seconds(10));
    ASSERT_TRUE(a.leadership->RunOnce().ok());
    ASSERT_TRUE(b.leadership->RunOnce().ok());
    EXPECT_TRUE(a.leading());
    EXPECT_FALSE(b.leading());
  }
  EXPECT_EQ(a.gained, 1);
  EXPECT_EQ(b.gained, 0);

  // a dies (no more rounds): b takes over once a's lease has run out, not before.
  clock.Advance(seconds(29));
  ASSERT_TRUE(b.leadership->RunOnce().ok());
  EXPECT_FALSE(b.leading());
  clock.Advance(seconds(1));
  ASSERT_TRUE(b.leadership->RunOnce().ok());
  EXPECT_TRUE(b.leading());
  EXPECT_EQ(b.gained, 1);
  // a comes back from a pause: it sees the lease taken and stops its work.
  ASSERT_TRUE(a.leadership->RunOnce().ok());
  EXPECT_FALSE(a.leading());
  EXPECT_EQ(a.lost, 1);
  EXPECT_EQ(log.Count("jobs.lease_taken"), 2);
  EXPECT_EQ(log.Count("jobs.lease_lost"), 1);
}

TEST_F(LeadershipTest, StopReleasesTheLeaseSoTheOtherTakesOverAtItsNextRound) {
  Instance a(store, clock, log, "a"), b(store, clock, log, "b");
  ASSERT_TRUE(a.leadership->Start().ok());
  EXPECT_TRUE(a.leading());  // a lone instance leads before Start returns
  ASSERT_TRUE(b.leadership->RunOnce().ok());
  EXPECT_FALSE(b.leading());
  a.leadership->Stop();
  EXPECT_EQ(a.lost, 1);
  EXPECT_FALSE(a.leading());
  ASSERT_TRUE(b.leadership->RunOnce().ok());  // same instant: no waiting for the ttl
  EXPECT_TRUE(b.leading());
  a.leadership->Stop();  // twice is fine
  EXPECT_EQ(a.lost, 1);
}

TEST_F(LeadershipTest, AFailedStartReleasesTheLeaseAndIsTriedAgain) {
  Instance a(store, clock, log, "a"), b(store, clock, log, "b");
  a.gain_result = Unavailable("Telegram unreachable");
  EXPECT_EQ(a.leadership->RunOnce().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(a.leading());
  ASSERT_TRUE(b.leadership->RunOnce().ok());  // released: b may lead
  EXPECT_TRUE(b.leading());
  EXPECT_EQ(log.Count("jobs.lease_start_failed"), 1);
}

TEST_F(LeadershipTest, ALeaderThatCannotRenewStepsDownBeforeItsLeaseRunsOut) {
  Instance a(store, clock, log, "a"), b(store, clock, log, "b");
  ASSERT_TRUE(a.leadership->RunOnce().ok());  // held until 30 s
  store.LoseConnection();
  clock.Advance(seconds(10));
  ASSERT_TRUE(a.leadership->RunOnce().ok());
  EXPECT_TRUE(a.leading());  // 20 s left: the next round may still renew
  clock.Advance(seconds(10));
  ASSERT_TRUE(a.leadership->RunOnce().ok());
  EXPECT_FALSE(a.leading());  // 10 s left, one round: stop now, before b may take over
  EXPECT_EQ(a.lost, 1);
  EXPECT_EQ(log.Count("jobs.lease_error"), 1);  // once per streak
  store.RestoreConnection();
  clock.Advance(seconds(10));
  ASSERT_TRUE(b.leadership->RunOnce().ok());
  EXPECT_TRUE(b.leading());
}

TEST_F(LeadershipTest, WithTakeStaleALeaseLeftByADeadProcessIsTakenAtOnce) {
  Instance dead(store, clock, log, "dead");
  ASSERT_TRUE(dead.leadership->RunOnce().ok());  // then killed: no Stop, the lease stays
  Instance plain(store, clock, log, "plain");
  ASSERT_TRUE(plain.leadership->RunOnce().ok());
  EXPECT_FALSE(plain.leading());
  Instance restarted(store, clock, log, "restarted", /*take_stale=*/true);
  ASSERT_TRUE(restarted.leadership->RunOnce().ok());
  EXPECT_TRUE(restarted.leading());
}

}  // namespace
}  // namespace vpnhub::jobs
