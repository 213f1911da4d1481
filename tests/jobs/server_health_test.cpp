// The server health job: hysteresis both ways through the backend's Ping, one admin alert per
// transition, metrics, and a hung probe that holds one slot and never delays the other servers.
#include "jobs/server_health.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/rules.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/memory_store.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {
namespace {

class ServerHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backends_.Add(&backend_);
    policy_.admins = {7001};
    policy_.cooldown = std::chrono::hours(1);
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      Location l;
      l.name = "nl";
      VPNHUB_ASSIGN_OR_RETURN(location_, tx.catalog().InsertLocation(l));
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  Id AddServer(const std::string& name, bool enabled = true) {
    Server s;
    s.location_id = location_;
    s.kind = "shadowsocks";
    s.name = name;
    s.capacity = 10;
    s.enabled = enabled;
    s.created_at = clock_.Now();
    Id id = 0;
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(id, tx.catalog().InsertServer(s));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return id;
  }

  Server Get(Id id) {
    Server out;
    Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(out, tx.catalog().GetServer(id));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::vector<Server> InLocation() {
    std::vector<Server> out;
    Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(out, tx.catalog().ListServers(location_));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::vector<std::string> Alerts() {
    std::vector<std::string> out;
    Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto all, tx.messages().ListMessages(std::nullopt, 1000));
      for (const auto& m : all) {
        if (m.kind == MessageKind::kAdminAlert) out.push_back(m.text);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::unique_ptr<ServerHealthJob> MakeJob(ServerHealthOptions options = {}) {
    return std::make_unique<ServerHealthJob>(store_, backends_, clock_, log_, registry_, &policy_,
                                             options);
  }

  int RunOnce(ServerHealthJob& job) {
    auto r = job.RunOnce();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    // Past the alert cooldown between rounds: a second alert would not be hidden by throttling.
    clock_.Advance(std::chrono::hours(2));
    return r.ok() ? *r : -1;
  }

  double Gauge(const std::string& name, const std::string& server) {
    return registry_.GetGauge(name, "", {{"server", server}}).Value();
  }

  fakes::MemoryStore store_;
  fakes::FakeClock clock_;
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  fakes::FakeBackend backend_;
  usecases::Backends backends_;
  usecases::AlertPolicy policy_;
  Id location_ = 0;
};

TEST_F(ServerHealthTest, FailThresholdMakesUnhealthyAndRecoverThresholdHealthyAgain) {
  const Id a = AddServer("nl-a");
  const Id b = AddServer("nl-b");
  std::mutex mu;
  bool a_down = true;
  backend_.SetPingHook([&](const Server& s) -> Status {
    std::lock_guard lock(mu);
    if (s.id == a && a_down) return Unavailable("ss-manager 127.0.0.1:1: connection refused");
    return Status::Ok();
  });
  auto job = MakeJob();  // thresholds 3 and 2

  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_TRUE(Get(a).healthy);
  EXPECT_EQ(Get(a).consecutive_failures, 2);
  EXPECT_TRUE(Alerts().empty());

  const Time third = clock_.Now();
  EXPECT_EQ(RunOnce(*job), 1);
  Server sa = Get(a);
  EXPECT_FALSE(sa.healthy);
  EXPECT_EQ(sa.consecutive_failures, 3);
  EXPECT_EQ(sa.health_changed_at, third);
  EXPECT_EQ(sa.last_check_at, third);
  EXPECT_EQ(Gauge("vpnhub_server_up", "nl-a"), 0);
  EXPECT_EQ(Gauge("vpnhub_server_consecutive_failures", "nl-a"), 3);
  EXPECT_EQ(Gauge("vpnhub_server_up", "nl-b"), 1);
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].find("nl-a"), std::string::npos) << alerts[0];
  EXPECT_NE(alerts[0].find("unhealthy"), std::string::npos) << alerts[0];
  EXPECT_NE(alerts[0].find("connection refused"), std::string::npos) << alerts[0];
  EXPECT_EQ(log_.Count("server.unhealthy"), 1);

  // A new key goes to the other server, however loaded: an unhealthy one is out of the pool.
  auto chosen = ChooseServer(InLocation(), "nl");
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->id, b);

  // Still failing: no second transition, no second alert (the cooldown has passed meanwhile).
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_EQ(Alerts().size(), 1u);
  EXPECT_EQ(Get(a).health_changed_at, third);

  {
    std::lock_guard lock(mu);
    a_down = false;
  }
  EXPECT_EQ(RunOnce(*job), 0);  // one success is not enough
  EXPECT_FALSE(Get(a).healthy);
  EXPECT_EQ(Get(a).consecutive_successes, 1);
  EXPECT_EQ(Get(a).consecutive_failures, 0);
  const Time back = clock_.Now();
  EXPECT_EQ(RunOnce(*job), 1);
  sa = Get(a);
  EXPECT_TRUE(sa.healthy);
  EXPECT_EQ(sa.health_changed_at, back);
  EXPECT_EQ(Gauge("vpnhub_server_up", "nl-a"), 1);
  alerts = Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(std::count_if(alerts.begin(), alerts.end(),
                          [](const std::string& a) {
                            return a.find("nl-a") != std::string::npos &&
                                   a.find("healthy again") != std::string::npos;
                          }),
            1);
  EXPECT_EQ(log_.Count("server.healthy"), 1);
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_EQ(Alerts().size(), 2u);

  // The other server never changed.
  const Server sb = Get(b);
  EXPECT_TRUE(sb.healthy);
  EXPECT_FALSE(sb.health_changed_at.has_value());
  EXPECT_EQ(sb.consecutive_successes, 7);
}

TEST_F(ServerHealthTest, AServerIsInDoubtBetweenItsFirstFailureAndTheTransition) {
  const Id a = AddServer("nl-a");
  AddServer("nl-b");
  std::mutex mu;
  bool a_down = false;
  backend_.SetPingHook([&](const Server& s) -> Status {
    std::lock_guard lock(mu);
    if (s.id == a && a_down) return Unavailable("connection refused");
    return Status::Ok();
  });
  auto job = MakeJob();  // thresholds 3 and 2
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_FALSE(job->InDoubt()) << "every server answered";
  {
    std::lock_guard lock(mu);
    a_down = true;
  }
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_TRUE(job->InDoubt()) << "one failure of three";
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_TRUE(job->InDoubt());
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_FALSE(job->InDoubt()) << "unhealthy now: decided";
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_FALSE(job->InDoubt()) << "still failing: still decided";
  {
    std::lock_guard lock(mu);
    a_down = false;
  }
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_TRUE(job->InDoubt()) << "one answer of two";
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_FALSE(job->InDoubt()) << "healthy again";
}

TEST_F(ServerHealthTest, AnAnswerBetweenFailuresStartsTheCountAgain) {
  const Id a = AddServer("nl-a");
  std::vector<bool> answers = {false, false, true, false, false, true, false, false, false};
  std::size_t i = 0;
  std::mutex mu;
  backend_.SetPingHook([&](const Server&) -> Status {
    std::lock_guard lock(mu);
    return answers[i++] ? Status::Ok() : Unavailable("timeout");
  });
  ServerHealthOptions options;
  options.thresholds = {3, 2};
  auto job = MakeJob(options);
  for (int round = 0; round < 8; ++round) {
    EXPECT_EQ(RunOnce(*job), 0) << round;
    EXPECT_TRUE(Get(a).healthy) << round;
  }
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_FALSE(Get(a).healthy);
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_F(ServerHealthTest, DisabledServersAreNotProbed) {
  const Id on = AddServer("nl-on");
  const Id off = AddServer("nl-off", /*enabled=*/false);
  std::mutex mu;
  std::map<Id, int> probes;
  backend_.SetPingHook([&](const Server& s) -> Status {
    std::lock_guard lock(mu);
    ++probes[s.id];
    return Status::Ok();
  });
  auto job = MakeJob();
  RunOnce(*job);
  std::lock_guard lock(mu);
  EXPECT_EQ(probes[on], 1);
  EXPECT_EQ(probes.count(off), 0u);
  EXPECT_FALSE(Get(off).last_check_at.has_value());
}

// A server disabled (or removed, which disables it) while its probe runs is out of the job's
// hands: the probe's result is not counted, so it neither changes health nor alerts about a
// server the operator has just taken out.
TEST_F(ServerHealthTest, AServerDisabledWhileItsProbeRunsIsNotCountedNorAlerted) {
  const Id a = AddServer("nl-a");
  const Id b = AddServer("nl-b");
  backend_.SetPingHook([&](const Server& s) -> Status {
    if (s.id != a) return Status::Ok();
    // The operator runs `server disable` (or `server remove`) while the probe waits.
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(Server now, tx.catalog().GetServer(a));
      now.enabled = false;
      return tx.catalog().UpdateServer(now);
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return Unavailable("connection refused");
  });
  ServerHealthOptions options;
  options.thresholds = {1, 1};
  auto job = MakeJob(options);
  EXPECT_EQ(RunOnce(*job), 0);
  const Server sa = Get(a);
  EXPECT_FALSE(sa.enabled);
  EXPECT_TRUE(sa.healthy);
  EXPECT_EQ(sa.consecutive_failures, 0);
  EXPECT_FALSE(sa.health_changed_at.has_value());
  EXPECT_TRUE(Alerts().empty()) << Alerts()[0];
  EXPECT_EQ(log_.Count("server.unhealthy"), 0);
  EXPECT_EQ(Get(b).consecutive_successes, 1);
}

TEST_F(ServerHealthTest, AHungProbeHoldsOneSlotAndDelaysNoOtherServer) {
  const Id hung = AddServer("nl-hung");  // first in line: it takes the first slot
  const Id b = AddServer("nl-b");
  const Id c = AddServer("nl-c");
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::map<Id, int> started;
  std::map<Id, int> returned;
  backend_.SetPingHook([&](const Server& s) -> Status {
    std::unique_lock lock(mu);
    ++started[s.id];
    if (s.id == hung) cv.wait(lock, [&] { return release; });
    ++returned[s.id];
    return Status::Ok();
  });
  ServerHealthOptions options;
  options.concurrency = 2;
  options.timeout = std::chrono::milliseconds(300);
  options.thresholds = {2, 2};
  auto job = MakeJob(options);

  EXPECT_EQ(RunOnce(*job), 0);
  {
    // The round is over while the hung probe still hangs; the others answered on the one slot
    // left to them and were counted.
    std::lock_guard lock(mu);
    EXPECT_EQ(started[hung], 1);
    EXPECT_EQ(returned[hung], 0);
    EXPECT_EQ(returned[b], 1);
    EXPECT_EQ(returned[c], 1);
  }
  EXPECT_EQ(Get(hung).consecutive_failures, 1);
  EXPECT_EQ(Get(b).consecutive_successes, 1);
  EXPECT_EQ(Get(c).consecutive_successes, 1);

  // Next round: the hung server is not probed again (it keeps its one slot) and counts as failed;
  // the others are probed again.
  EXPECT_EQ(RunOnce(*job), 1);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(started[hung], 1);
    EXPECT_EQ(returned[b], 2);
    EXPECT_EQ(returned[c], 2);
  }
  EXPECT_FALSE(Get(hung).healthy);
  EXPECT_TRUE(Get(b).healthy);
  EXPECT_TRUE(Get(c).healthy);
  ASSERT_EQ(Alerts().size(), 1u);
  EXPECT_NE(Alerts()[0].find("has not returned"), std::string::npos) << Alerts()[0];

  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  job->Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(returned[hung], 1);
}

TEST_F(ServerHealthTest, AProbeWithoutAnAnswerInTimeCountsAsFailed) {
  const Id slow = AddServer("nl-slow");
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  backend_.SetPingHook([&](const Server&) -> Status {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return Status::Ok();
  });
  ServerHealthOptions options;
  options.timeout = std::chrono::milliseconds(100);
  auto job = MakeJob(options);
  RunOnce(*job);
  const Server s = Get(slow);
  EXPECT_EQ(s.consecutive_failures, 1);
  EXPECT_EQ(s.consecutive_successes, 0);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  job->Stop();
}

TEST(ApplyProbe, CountsBothWaysAndFlipsAtTheThresholds) {
  Server s;
  const HealthThresholds t{3, 2};
  const Time t0 = FromUnixMs(1000);
  EXPECT_FALSE(ApplyProbe(s, false, t0, t));
  EXPECT_FALSE(ApplyProbe(s, false, t0, t));
  EXPECT_TRUE(ApplyProbe(s, false, t0, t));
  EXPECT_FALSE(s.healthy);
  EXPECT_EQ(s.health_changed_at, t0);
  EXPECT_FALSE(ApplyProbe(s, false, t0, t));
  const Time t1 = FromUnixMs(2000);
  EXPECT_FALSE(ApplyProbe(s, true, t1, t));
  EXPECT_EQ(s.consecutive_failures, 0);
  EXPECT_TRUE(ApplyProbe(s, true, t1, t));
  EXPECT_TRUE(s.healthy);
  EXPECT_EQ(s.health_changed_at, t1);
  EXPECT_EQ(s.last_check_at, t1);
  // A threshold of 0 acts as 1.
  EXPECT_TRUE(ApplyProbe(s, false, t1, HealthThresholds{0, 0}));
}

}  // namespace
}  // namespace vpnhub::jobs
