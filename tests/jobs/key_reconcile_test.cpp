// The key reconciliation job: full passes every interval over healthy enabled servers, a server
// asked for (the health job's recovery) at the next run, drift and repair counters that start at
// zero, and one throttled admin alert when a server drifted beyond the threshold.
#include "jobs/key_reconcile.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/memory_store.hpp"
#include "jobs/server_health.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {
namespace {

class KeyReconcileJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backends_.Add(&backend_);
    policy_.admins = {7001};
    policy_.cooldown = std::chrono::hours(1);
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      Location l;
      l.name = "nl";
      VPNHUB_ASSIGN_OR_RETURN(location_, tx.catalog().InsertLocation(l));
      User u;
      u.tg_id = 42;
      VPNHUB_ASSIGN_OR_RETURN(user_, tx.users().InsertUser(u));
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  Id AddServer(const std::string& name, bool enabled = true, bool healthy = true) {
    Server s;
    s.location_id = location_;
    s.kind = "shadowsocks";
    s.name = name;
    s.capacity = 100;
    s.enabled = enabled;
    s.healthy = healthy;
    s.created_at = clock_.Now();
    Id id = 0;
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(id, tx.catalog().InsertServer(s));
      s.id = id;
      return tx.catalog().RecordServerHealth(s);
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return id;
  }

  // `n` active keys on the server, each on the fake server too.
  void AddActiveKeys(Id server, const std::string& prefix, int n) {
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      for (int i = 0; i < n; ++i) {
        Key k;
        k.user_id = user_;
        k.server_id = server;
        k.slot = i;
        k.remote_name = prefix + std::to_string(i);
        k.secret = "secret-" + k.remote_name;
        k.state = KeyState::kActive;
        k.expires_at = clock_.Now() + std::chrono::hours(100);
        k.created_at = k.updated_at = clock_.Now();
        VPNHUB_RETURN_IF_ERROR(tx.keys().InsertKey(k).status());
        backend_.Plant(k.remote_name, k.secret);
      }
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    clock_.Advance(std::chrono::seconds(1));
  }

  std::unique_ptr<KeyReconcileJob> MakeJob(int threshold = 20) {
    KeyReconcileOptions o;
    o.interval = std::chrono::seconds(300);
    o.alert_threshold = threshold;
    return std::make_unique<KeyReconcileJob>(store_, backends_, clock_, log_, registry_, &policy_,
                                             o);
  }

  int RunOnce(KeyReconcileJob& job) {
    auto r = job.RunOnce();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  double Drift(const std::string& server, const std::string& kind) {
    return registry_
        .GetCounter("vpnhub_reconcile_drift_total", "", {{"server", server}, {"kind", kind}})
        .Value();
  }
  double Repairs(const std::string& server, const std::string& kind) {
    return registry_
        .GetCounter("vpnhub_reconcile_repairs_total", "", {{"server", server}, {"kind", kind}})
        .Value();
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

  int OpenRestores() {
    auto n = store_.QueryInt(
        "SELECT count(*) FROM tasks WHERE kind = 'restore_key' AND state = 'pending'");
    EXPECT_TRUE(n.ok());
    return n.ok() ? static_cast<int>(*n) : -1;
  }

  fakes::MemoryStore store_;
  fakes::FakeClock clock_;
  fakes::CapturingLog log_;
  metrics::Registry registry_;
  fakes::FakeBackend backend_;
  usecases::Backends backends_;
  usecases::AlertPolicy policy_;
  Id location_ = 0;
  Id user_ = 0;
};

TEST_F(KeyReconcileJobTest, TheFirstRunIsAFullPassAndCountsDriftAndRepairsFromZero) {
  const Id a = AddServer("nl-a");
  AddActiveKeys(a, "a-", 3);
  auto job = MakeJob();
  backend_.ForgetAll();
  backend_.Plant("stray", "x");
  EXPECT_EQ(Drift("nl-a", "mismatch"), 0);
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_EQ(Drift("nl-a", "missing"), 3);
  EXPECT_EQ(Repairs("nl-a", "missing"), 3);
  EXPECT_EQ(Drift("nl-a", "orphan"), 1);
  EXPECT_EQ(Repairs("nl-a", "orphan"), 1);
  EXPECT_EQ(OpenRestores(), 3);
  const std::string text = registry_.Render();
  EXPECT_NE(text.find("vpnhub_reconcile_drift_total{server=\"nl-a\",kind=\"mismatch\"} 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vpnhub_reconcile_duration_seconds_count 1"), std::string::npos) << text;
}

TEST_F(KeyReconcileJobTest, BetweenPassesOnlyTheServersAskedForAreReconciled) {
  const Id a = AddServer("nl-a");
  const Id b = AddServer("nl-b");
  AddActiveKeys(a, "a-", 2);
  auto job = MakeJob();
  EXPECT_EQ(RunOnce(*job), 2);  // the first run: every server
  backend_.ForgetAll();
  EXPECT_EQ(RunOnce(*job), 0);  // within the interval, nobody asked
  EXPECT_EQ(OpenRestores(), 0);
  job->Request(a);
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_EQ(OpenRestores(), 2);
  EXPECT_EQ(RunOnce(*job), 0);  // a request is served once
  clock_.Advance(std::chrono::seconds(300));
  EXPECT_EQ(RunOnce(*job), 2);  // the next full pass
  (void)b;
}

TEST_F(KeyReconcileJobTest, UnhealthyAndDisabledServersAreLeftAlone) {
  const Id down = AddServer("nl-down", /*enabled=*/true, /*healthy=*/false);
  const Id off = AddServer("nl-off", /*enabled=*/false);
  AddActiveKeys(down, "d-", 1);
  backend_.ForgetAll();
  auto job = MakeJob();
  job->Request(down);
  job->Request(off);
  EXPECT_EQ(RunOnce(*job), 0);
  EXPECT_EQ(OpenRestores(), 0);
  EXPECT_EQ(backend_.list_calls(), 0);
}

// A Store that runs `after_read` once, right after the next read transaction (the job's read of
// the servers) commits.
class AfterReadStore : public ports::Store {
 public:
  explicit AfterReadStore(ports::Store& inner) : inner_(inner) {}
  std::function<void()> after_read;

  Status Read(const TxFn& fn) override {
    Status st = inner_.Read(fn);
    if (after_read) {
      auto hook = std::move(after_read);
      after_read = nullptr;
      hook();
    }
    return st;
  }
  Status Ping() override { return inner_.Ping(); }

 private:
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override { return inner_.Write(kind, fn); }
  ports::Store& inner_;
};

// The health job marks a server healthy and asks for it (Request, then RunNow) while a run has
// read the servers already: the run that follows reconciles it, the request is not lost.
TEST_F(KeyReconcileJobTest, ARequestMadeWhileARunReadTheServersIsServedByTheNextRun) {
  const Id down = AddServer("nl-down", /*enabled=*/true, /*healthy=*/false);
  AddActiveKeys(down, "d-", 2);
  AfterReadStore store(store_);
  KeyReconcileOptions o;
  o.interval = std::chrono::seconds(300);
  KeyReconcileJob job(store, backends_, clock_, log_, registry_, &policy_, o);
  EXPECT_EQ(RunOnce(job), 0);  // the first full pass: the server is down
  backend_.ForgetAll();        // ss-manager restarted empty
  store.after_read = [&] {
    ASSERT_TRUE(
        store_.Write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(down, true); })
            .ok());
    job.Request(down);
  };
  RunOnce(job);                // read the servers before the recovery
  EXPECT_EQ(RunOnce(job), 1);  // the run RunNow asked for
  EXPECT_EQ(OpenRestores(), 2);
}

TEST_F(KeyReconcileJobTest, DriftBeyondTheThresholdAlertsTheAdminsOnce) {
  const Id a = AddServer("nl-a");
  const Id b = AddServer("nl-b");
  AddActiveKeys(a, "a-", 4);
  auto job = MakeJob(/*threshold=*/3);
  backend_.ForgetAll();
  EXPECT_EQ(RunOnce(*job), 2);
  auto alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].find("nl-a"), std::string::npos) << alerts[0];
  EXPECT_NE(alerts[0].find("4 keys (4 missing"), std::string::npos) << alerts[0];
  clock_.Advance(std::chrono::seconds(300));
  EXPECT_EQ(RunOnce(*job), 2);  // still drifted (no worker ran): throttled
  EXPECT_EQ(Alerts().size(), 1u);
  (void)b;
}

TEST_F(KeyReconcileJobTest, DriftAtTheThresholdDoesNotAlert) {
  const Id a = AddServer("nl-a");
  AddActiveKeys(a, "a-", 3);
  auto job = MakeJob(/*threshold=*/3);
  backend_.ForgetAll();
  EXPECT_EQ(RunOnce(*job), 1);
  EXPECT_TRUE(Alerts().empty());
}

TEST_F(KeyReconcileJobTest, TheHealthJobAsksForAServerThatCameBack) {
  const Id a = AddServer("nl-a");
  std::atomic<bool> down{true};
  backend_.SetPingHook([&](const Server&) { return down ? Unavailable("down") : Status::Ok(); });
  std::vector<Id> recovered;
  ServerHealthOptions ho;
  ho.thresholds.fail = 1;
  ho.thresholds.recover = 1;
  ho.on_recovered = [&](Id id) { recovered.push_back(id); };
  ServerHealthJob health(store_, backends_, clock_, log_, registry_, nullptr, ho);
  ASSERT_TRUE(health.RunOnce().ok());  // unhealthy
  EXPECT_TRUE(recovered.empty());
  down = false;
  ASSERT_TRUE(health.RunOnce().ok());  // healthy again
  EXPECT_EQ(recovered, std::vector<Id>{a});
  ASSERT_TRUE(health.RunOnce().ok());  // stays healthy: no second call
  EXPECT_EQ(recovered.size(), 1u);
  health.Stop();
}

}  // namespace
}  // namespace vpnhub::jobs
