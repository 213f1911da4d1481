// ServiceJobs and their leases, two instances on one in-memory store: a scheduled job runs only
// in the instance holding its lease, stops when the lease is lost, hands it over at Stop, and
// does nothing while the store is down.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/retention.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fault_store.hpp"
#include "fakes/memory_store.hpp"
#include "jobs/service_jobs.hpp"
#include "metrics/registry.hpp"
#include "test_rows.hpp"

namespace vpnhub::jobs {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// One process: its ServiceJobs, and what its metrics and log saw.
struct Instance {
  Instance(ports::Store& store, const fakes::FakeClock& clock, const std::string& id,
           usecases::RetentionPurge* purge = nullptr)
      : sweep(store, clock) {
    ServiceJobsOptions o;
    o.instance_id = id;
    o.purge = purge;
    o.purge_pause = milliseconds(0);
    jobs = std::make_unique<ServiceJobs>(store, sweep, log, registry, readiness, o, nullptr);
  }
  double Leader(const std::string& job) {
    return registry.GetGauge("vpnhub_job_leader", "", {{"job", job}}).Value();
  }

  usecases::ExpirySweep sweep;
  fakes::CapturingLog log;
  metrics::Registry registry;
  Readiness readiness;
  std::unique_ptr<ServiceJobs> jobs;
};

class ServiceJobsLeasesTest : public ::testing::Test {
 protected:
  // An active key that expired an hour ago: the next sweep moves it to revoking.
  Id DueKey(int n) {
    Id key_id = 0;
    Status st = memory.Write([&](ports::StoreTx& tx) -> Status {
      User u;
      u.tg_id = 100 + n;
      auto user = tx.users().InsertUser(u);
      if (!user.ok()) return user.status();
      if (server_id == 0) {
        auto server = InsertTestServer(tx);
        if (!server.ok()) return server.status();
        server_id = *server;
      }
      Key k;
      k.user_id = *user;
      k.server_id = server_id;
      k.slot = n;
      k.remote_name = "k" + std::to_string(n);
      k.state = KeyState::kActive;
      k.expires_at = clock.Now() - hours(1);
      auto id = tx.keys().InsertKey(k);
      if (!id.ok()) return id.status();
      key_id = *id;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return key_id;
  }

  KeyState StateOf(Id key_id) {
    KeyState state = KeyState::kFailed;
    EXPECT_TRUE(memory
                    .Read([&](ports::StoreTx& tx) -> Status {
                      auto k = tx.keys().GetKey(key_id);
                      if (!k.ok()) return k.status();
                      state = k->state;
                      return Status::Ok();
                    })
                    .ok());
    return state;
  }

  std::string Holder(const std::string& job) {
    std::string holder;
    EXPECT_TRUE(memory
                    .Read([&](ports::StoreTx& tx) -> Status {
                      auto lease = tx.coordination().GetJobLease(job);
                      if (!lease.ok()) return lease.status();
                      if (lease->has_value()) holder = (*lease)->holder;
                      return Status::Ok();
                    })
                    .ok());
    return holder;
  }

  // Another instance takes `job` as if `a`'s lease had run out long ago.
  void Steal(const std::string& job, const std::string& holder) {
    const Time later =
        std::chrono::floor<milliseconds>(std::chrono::system_clock::now()) + hours(1);
    bool taken = false;
    ASSERT_TRUE(memory
                    .Write([&](ports::StoreTx& tx) -> Status {
                      auto r = tx.coordination().AcquireJobLease(job, holder, later, hours(1));
                      if (!r.ok()) return r.status();
                      taken = *r;
                      return Status::Ok();
                    })
                    .ok());
    ASSERT_TRUE(taken);
  }

  fakes::FakeClock clock;
  fakes::MemoryStore memory;
  fakes::FaultStore store{memory};
  Id server_id = 0;
};

TEST_F(ServiceJobsLeasesTest, OnlyTheInstanceHoldingTheLeaseSweeps) {
  Instance a(store, clock, "a"), b(store, clock, "b");
  const Id first = DueKey(1);
  a.jobs->SweepOnce();
  EXPECT_EQ(StateOf(first), KeyState::kRevoking);
  EXPECT_EQ(Holder("expiry_sweep"), "a");
  EXPECT_EQ(a.Leader("expiry_sweep"), 1);

  const Id second = DueKey(2);
  b.jobs->SweepOnce();
  EXPECT_EQ(StateOf(second), KeyState::kActive) << "b does not hold the lease";
  EXPECT_EQ(b.Leader("expiry_sweep"), 0);
  EXPECT_EQ(b.log.Count("jobs.lease_taken"), 0);
  a.jobs->SweepOnce();
  EXPECT_EQ(StateOf(second), KeyState::kRevoking);
  EXPECT_EQ(a.log.Count("jobs.lease_taken"), 1);  // renewed, not taken again
}

TEST_F(ServiceJobsLeasesTest, ALeaseLostMidwayStopsTheJobAndStopDoesNotReleaseTheNewHolders) {
  Instance a(store, clock, "a");
  a.jobs->SweepOnce();
  ASSERT_EQ(a.Leader("expiry_sweep"), 1);
  Steal("expiry_sweep", "b");  // a paused past its lease; b took over

  const Id due = DueKey(1);
  a.jobs->SweepOnce();
  EXPECT_EQ(StateOf(due), KeyState::kActive);
  EXPECT_EQ(a.Leader("expiry_sweep"), 0);
  EXPECT_EQ(a.log.Count("jobs.lease_lost"), 1);
  a.jobs->Stop();
  EXPECT_EQ(Holder("expiry_sweep"), "b");
}

TEST_F(ServiceJobsLeasesTest, StopHandsTheLeaseOverAtOnce) {
  Instance a(store, clock, "a"), b(store, clock, "b");
  a.jobs->SweepOnce();
  a.jobs->Stop();  // without this, b would wait for the lease to run out
  const Id due = DueKey(1);
  b.jobs->SweepOnce();
  EXPECT_EQ(StateOf(due), KeyState::kRevoking);
  EXPECT_EQ(Holder("expiry_sweep"), "b");
}

TEST_F(ServiceJobsLeasesTest, WhileTheStoreIsDownNoJobRunsAndEachSaysWhy) {
  usecases::RetentionPurge purge(store, clock, hours(24), /*batch_size=*/10);
  Instance a(store, clock, "a", &purge);
  const Id swept = DueKey(1);
  a.jobs->SweepOnce();
  a.jobs->ProbeOnce();
  a.jobs->RefreshStatsOnce();
  ASSERT_EQ(StateOf(swept), KeyState::kRevoking);
  ASSERT_TRUE(a.readiness.ready()) << a.readiness.detail();
  ASSERT_NE(a.registry.Render().find("vpnhub_users 1\n"), std::string::npos);

  store.LoseConnection();
  const Id due = DueKey(2);
  a.jobs->SweepOnce();
  a.jobs->PurgeOnce();
  a.jobs->ProbeOnce();
  a.jobs->RefreshStatsOnce();
  EXPECT_EQ(StateOf(due), KeyState::kActive);
  EXPECT_EQ(a.Leader("expiry_sweep"), 0);
  EXPECT_EQ(a.log.Count("jobs.lease_lost"), 1);
  EXPECT_EQ(a.log.Count("jobs.lease_error"), 2);  // the sweep's and the purge's
  EXPECT_EQ(a.log.Count("retention.error"), 0) << "no lease, no purge";
  EXPECT_FALSE(a.readiness.ready());
  EXPECT_NE(a.readiness.detail().find("connection lost"), std::string::npos)
      << a.readiness.detail();
  EXPECT_EQ(a.log.Count("stats.error"), 1);
  const std::string metrics = a.registry.Render();
  EXPECT_NE(metrics.find("vpnhub_users 1\n"), std::string::npos)
      << "the gauges keep their last values\n"
      << metrics;
  EXPECT_NE(metrics.find("vpnhub_keys{state=\"revoking\"} 1\n"), std::string::npos) << metrics;
  a.jobs->Stop();  // nothing held: nothing to release
  EXPECT_EQ(a.log.Count("jobs.lease_release_failed"), 0);

  store.RestoreConnection();
  a.jobs->SweepOnce();
  a.jobs->ProbeOnce();
  EXPECT_EQ(StateOf(due), KeyState::kRevoking);
  EXPECT_TRUE(a.readiness.ready()) << a.readiness.detail();
}

TEST_F(ServiceJobsLeasesTest, ALeaseThatCannotBeReleasedAtStopIsLogged) {
  Instance a(store, clock, "a");
  a.jobs->SweepOnce();
  store.LoseConnection();
  a.jobs->Stop();
  EXPECT_EQ(a.log.Count("jobs.lease_release_failed"), 1);
  store.RestoreConnection();
  EXPECT_EQ(Holder("expiry_sweep"), "a") << "held until it runs out";
}

TEST_F(ServiceJobsLeasesTest, ASlowPurgeStopsAfterAThirdOfItsLeaseAndGoesOnNextRun) {
  const Time old = clock.Now() - hours(24 * 40);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(memory
                    .Sql("INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, "
                         "created_at, updated_at) VALUES ('revoke_key', " +
                         std::to_string(i) + ", 'done', 1, 0, 0, " + std::to_string(ToUnixMs(old)) +
                         ")")
                    .ok());
  }
  usecases::RetentionPurge purge(store, clock, hours(24 * 30), /*batch_size=*/1);
  fakes::CapturingLog log;
  metrics::Registry registry;
  Readiness readiness;
  usecases::ExpirySweep sweep(store, clock);
  ServiceJobsOptions o;
  o.purge = &purge;
  o.purge_pause = milliseconds(0);
  o.job_lease = milliseconds(60);
  o.purge_interval = milliseconds(30);  // the lease: 60 ms, a run: at most 20 ms
  ServiceJobs jobs(store, sweep, log, registry, readiness, o, nullptr);
  store.AddLatency(milliseconds(25));  // every batch takes longer than a run may

  jobs.PurgeOnce();
  auto left = memory.QueryInt("SELECT count(*) FROM tasks");
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(*left, 3);
  jobs.PurgeOnce();
  left = memory.QueryInt("SELECT count(*) FROM tasks");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 2);
  EXPECT_EQ(log.Count("retention.purged"), 2);
}

}  // namespace
}  // namespace vpnhub::jobs
