// ServiceJobs over the in-memory store, through a fault-injecting wrapper: the readiness probe,
// the statistics gauges, the retention purge.
#include "jobs/service_jobs.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/retention.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fault_store.hpp"
#include "fakes/memory_store.hpp"
#include "metrics/registry.hpp"
#include "test_rows.hpp"

namespace vpnhub::jobs {
namespace {

class ServiceJobsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceJobs> MakeJobs(ServiceJobsOptions options = {}) {
    return std::make_unique<ServiceJobs>(store_, sweep_, log_, registry_, readiness_, options,
                                         nullptr);
  }

  // Writes what the ports cannot (rows settled long ago).
  void Sql(const std::string& sql) {
    Status st = memory_.Sql(sql);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  fakes::MemoryStore memory_;
  fakes::FaultStore store_{memory_};
  fakes::FakeClock clock_;
  usecases::ExpirySweep sweep_{store_, clock_};
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  Readiness readiness_;
};

// The database answers reads (so the ping passes) but refuses every write, as with a full disk:
// the process must not call itself ready, and must say why.
TEST_F(ServiceJobsTest, ReadinessFailsWhileWritesFailAndSaysWhyThenRecovers) {
  auto jobs = MakeJobs();
  jobs->ProbeOnce();
  ASSERT_TRUE(readiness_.ready()) << readiness_.detail();

  store_.FailCommits(fakes::FaultStore::kEvery);
  jobs->ProbeOnce();
  EXPECT_FALSE(readiness_.ready());
  EXPECT_NE(readiness_.detail().find("writes fail"), std::string::npos) << readiness_.detail();
  EXPECT_NE(readiness_.detail().find("disk full (injected)"), std::string::npos)
      << readiness_.detail();
  EXPECT_EQ(log_.Count("readiness.not_ready"), 1);

  store_.FailCommits(0);
  jobs->ProbeOnce();
  EXPECT_TRUE(readiness_.ready()) << readiness_.detail();
  EXPECT_EQ(log_.Count("readiness.ready"), 2);  // at the start, and now
}

// Every job runs once at Start (PeriodicJob runs at once), so Start + Stop is one run of each.
void RunEveryJobOnce(ServiceJobs& jobs) {
  jobs.Start();
  jobs.Stop();
}

// The statistics read is for the gauges of the scheduler: a worker process (and any process
// without the scheduler role) must not run it every few seconds.
TEST_F(ServiceJobsTest, OnlyTheSchedulerRoleRefreshesTheStatistics) {
  ServiceJobsOptions worker;
  worker.run_sweep = false;
  RunEveryJobOnce(*MakeJobs(worker));
  EXPECT_TRUE(readiness_.ready()) << "the readiness probe runs in every role";
  EXPECT_EQ(registry_.Render().find("vpnhub_users"), std::string::npos) << registry_.Render();

  ServiceJobsOptions scheduler;
  scheduler.run_sweep = true;
  RunEveryJobOnce(*MakeJobs(scheduler));
  EXPECT_NE(registry_.Render().find("vpnhub_users 0"), std::string::npos) << registry_.Render();
  EXPECT_NE(registry_.Render().find("vpnhub_keys{state=\"active\"} 0"), std::string::npos);
}

TEST_F(ServiceJobsTest, TheGaugesCountUsersAndKeysByState) {
  ASSERT_TRUE(store_
                  .Write([](ports::StoreTx& tx) -> Status {
                    User u;
                    u.tg_id = 5;
                    auto user = tx.users().InsertUser(u);
                    if (!user.ok()) return user.status();
                    auto server = InsertTestServer(tx);
                    if (!server.ok()) return server.status();
                    for (int slot = 0; slot < 3; ++slot) {
                      Key k;
                      k.user_id = *user;
                      k.server_id = *server;
                      k.slot = slot;
                      k.remote_name = "k" + std::to_string(slot);
                      k.state = slot == 0 ? KeyState::kPending : KeyState::kActive;
                      auto id = tx.keys().InsertKey(k);
                      if (!id.ok()) return id.status();
                    }
                    return Status::Ok();
                  })
                  .ok());
  MakeJobs()->RefreshStatsOnce();
  const std::string metrics = registry_.Render();
  EXPECT_NE(metrics.find("vpnhub_users 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vpnhub_keys{state=\"active\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vpnhub_keys{state=\"pending\"} 1"), std::string::npos) << metrics;
}

// Per server: the slots in use, the capacity, and the slot-holding keys by state (zero included);
// revoked and failed keys hold no slot and are not counted.
TEST_F(ServiceJobsTest, TheServerGaugesCountSlotsAndKeysByStatePerServer) {
  ASSERT_TRUE(store_
                  .Write([](ports::StoreTx& tx) -> Status {
                    User u;
                    u.tg_id = 5;
                    VPNHUB_ASSIGN_OR_RETURN(Id user, tx.users().InsertUser(u));
                    VPNHUB_ASSIGN_OR_RETURN(Id nl1, InsertTestServer(tx));
                    VPNHUB_ASSIGN_OR_RETURN(Server first, tx.catalog().GetServer(nl1));
                    Server second = first;
                    second.name = "nl-2";
                    second.capacity = 4;
                    VPNHUB_ASSIGN_OR_RETURN(Id nl2, tx.catalog().InsertServer(second));
                    const std::vector<std::pair<Id, KeyState>> keys = {
                        {nl1, KeyState::kPending}, {nl1, KeyState::kActive},
                        {nl1, KeyState::kActive},  {nl1, KeyState::kRevoking},
                        {nl1, KeyState::kRevoked}, {nl1, KeyState::kFailed},
                        {nl2, KeyState::kActive}};
                    for (std::size_t i = 0; i < keys.size(); ++i) {
                      Key k;
                      k.user_id = user;
                      k.server_id = keys[i].first;
                      k.slot = static_cast<int>(i);
                      k.remote_name = "k" + std::to_string(i);
                      k.state = keys[i].second;
                      VPNHUB_ASSIGN_OR_RETURN(Id id, tx.keys().InsertKey(k));
                      (void)id;
                    }
                    return Status::Ok();
                  })
                  .ok());
  MakeJobs()->RefreshStatsOnce();
  const std::string metrics = registry_.Render();
  for (const char* line : {
           "vpnhub_server_capacity{server=\"nl-1\"} 10",
           "vpnhub_server_capacity{server=\"nl-2\"} 4",
           "vpnhub_server_used_slots{server=\"nl-1\"} 4",
           "vpnhub_server_used_slots{server=\"nl-2\"} 1",
           "vpnhub_server_keys{server=\"nl-1\",state=\"pending\"} 1",
           "vpnhub_server_keys{server=\"nl-1\",state=\"active\"} 2",
           "vpnhub_server_keys{server=\"nl-1\",state=\"revoking\"} 1",
           "vpnhub_server_keys{server=\"nl-2\",state=\"active\"} 1",
           "vpnhub_server_keys{server=\"nl-2\",state=\"pending\"} 0",
       }) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
  }
  EXPECT_EQ(metrics.find("vpnhub_server_keys{server=\"nl-1\",state=\"revoked\""), std::string::npos)
      << metrics;
}

// After a health round the capacity check sets the per-location gauges (used slots, slots of
// healthy enabled servers).
TEST_F(ServiceJobsTest, TheCapacityCheckSetsTheLocationGauges) {
  ASSERT_TRUE(store_
                  .Write([](ports::StoreTx& tx) -> Status {
                    User u;
                    u.tg_id = 5;
                    auto user = tx.users().InsertUser(u);
                    if (!user.ok()) return user.status();
                    auto server = InsertTestServer(tx);
                    if (!server.ok()) return server.status();
                    Key k;
                    k.user_id = *user;
                    k.server_id = *server;
                    k.remote_name = "k";
                    k.state = KeyState::kActive;
                    return tx.keys().InsertKey(k).status();
                  })
                  .ok());
  usecases::CapacityWatch watch(store_, nullptr, clock_);
  ServiceJobsOptions options;
  options.capacity = &watch;
  MakeJobs(options)->CapacityOnce();
  const std::string metrics = registry_.Render();
  EXPECT_NE(metrics.find("vpnhub_location_slots{location=\"nl\",kind=\"used\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vpnhub_location_slots{location=\"nl\",kind=\"capacity\"} 10"),
            std::string::npos)
      << metrics;
}

// The purge job deletes what settled before the retention, counts it per table, and keeps going
// batch after batch until nothing old is left.
TEST_F(ServiceJobsTest, ThePurgeJobDeletesOldSettledRowsAndCountsThem) {
  const Time old = clock_.Now() - std::chrono::hours(24 * 40);
  Sql("INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, created_at, "
      "updated_at) VALUES ('revoke_key', 1, 'done', 1, 0, 0, " +
      std::to_string(ToUnixMs(old)) + "), ('revoke_key', 2, 'done', 1, 0, 0, " +
      std::to_string(ToUnixMs(old)) + "), ('revoke_key', 3, 'failed', 8, 0, 0, " +
      std::to_string(ToUnixMs(old)) + "), ('revoke_key', 4, 'done', 1, 0, 0, " +
      std::to_string(ToUnixMs(clock_.Now())) + ")");
  Sql("INSERT INTO outgoing_messages (chat_id, kind, priority, state, next_attempt_at, "
      "created_at, updated_at) VALUES (1, 'text', 1, 'sent', 0, 0, " +
      std::to_string(ToUnixMs(old)) + "), (2, 'text', 1, 'failed', 0, 0, " +
      std::to_string(ToUnixMs(old)) + "), (3, 'text', 1, 'pending', 0, 0, " +
      std::to_string(ToUnixMs(old)) + ")");
  usecases::RetentionPurge purge(store_, clock_, std::chrono::hours(24 * 30), /*batch_size=*/1);
  ServiceJobsOptions options;
  options.purge = &purge;
  options.purge_pause = std::chrono::milliseconds(0);
  auto jobs = MakeJobs(options);
  EXPECT_NE(registry_.Render().find("vpnhub_retention_purged_rows_total{table=\"tasks\"} 0"),
            std::string::npos)
      << "the series exist before the first purge";
  jobs->PurgeOnce();
  const std::string metrics = registry_.Render();
  EXPECT_NE(metrics.find("vpnhub_retention_purged_rows_total{table=\"tasks\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vpnhub_retention_purged_rows_total{table=\"outgoing_messages\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(log_.Count("retention.purged"), 1);
  auto left = [&](const std::string& table) {
    auto n = memory_.QueryInt("SELECT count(*) FROM " + table);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(left("tasks"), 2);              // the dead letter and the recent one
  EXPECT_EQ(left("outgoing_messages"), 1);  // the pending one
}

}  // namespace
}  // namespace vpnhub::jobs
