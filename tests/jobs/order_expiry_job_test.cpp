// The scheduler's order expiry: ServiceJobs runs BillingService::ExpireOrders next to the expiry
// sweep, in batches until no expired order is left, counted in vpnhub_orders_expired_total.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/usecases/billing_service.hpp"
#include "core/usecases/expiry_sweep.hpp"
#include "core/usecases/key_service.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_secrets.hpp"
#include "fakes/memory_store.hpp"
#include "jobs/service_jobs.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::jobs {
namespace {

class OrderExpiryJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      User u;
      u.tg_id = 42;
      u.lang = "en";
      VPNHUB_ASSIGN_OR_RETURN(user_id_, tx.users().InsertUser(u));
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // A created order that can be paid until `expires_at`.
  Id AddOrder(Time expires_at) {
    Order o;
    o.user_id = user_id_;
    o.kind = OrderKind::kNewKey;
    o.location_id = 1;
    o.months = 1;
    o.provider = "stars";
    o.amount = 100;
    o.currency = kStarsCurrency;
    o.created_at = clock_.Now();
    o.expires_at = expires_at;
    o.updated_at = clock_.Now();
    Id id = 0;
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(id, tx.billing().InsertOrder(o));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return id;
  }

  OrderState StateOf(Id order_id) {
    OrderState state{};
    Status st = store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto o, tx.billing().GetOrder(order_id));
      state = o.state;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return state;
  }

  std::unique_ptr<ServiceJobs> MakeJobs(bool with_billing, int batch) {
    ServiceJobsOptions options;
    options.billing = with_billing ? &billing_ : nullptr;
    options.order_expiry_batch = batch;
    options.sweep_interval = std::chrono::milliseconds(20);
    return std::make_unique<ServiceJobs>(store_, sweep_, log_, registry_, readiness_, options,
                                         nullptr);
  }

  fakes::MemoryStore store_;
  fakes::FakeClock clock_;
  fakes::FakeSecrets secrets_;
  fakes::CapturingLog log_;
  usecases::Backends backends_;
  usecases::KeyService keys_{store_, backends_, secrets_, clock_, "en"};
  usecases::BillingService billing_{store_, keys_, clock_, BillingConfig{}, {}, {}, "en"};
  usecases::ExpirySweep sweep_{store_, clock_};
  metrics::Registry registry_;
  Readiness readiness_;
  Id user_id_ = 0;
};

// Every created order past its expiry is expired in one run, however many batches it takes; an
// order that can still be paid is left alone.
TEST_F(OrderExpiryJobTest, OneRunExpiresEveryDueOrderInBatches) {
  const Time now = clock_.Now();
  std::vector<Id> due;
  for (int i = 0; i < 5; ++i) due.push_back(AddOrder(now - std::chrono::seconds(1 + i)));
  const Id open = AddOrder(now + std::chrono::hours(1));

  MakeJobs(true, 2)->ExpireOrdersOnce();

  for (Id id : due) EXPECT_EQ(StateOf(id), OrderState::kExpired) << id;
  EXPECT_EQ(StateOf(open), OrderState::kCreated);
  EXPECT_EQ(registry_.GetCounter("vpnhub_orders_expired_total", "").Value(), 5);
}

// Without the billing service (not the scheduler's to run) the job does nothing.
TEST_F(OrderExpiryJobTest, NothingWithoutBilling) {
  const Id due = AddOrder(clock_.Now() - std::chrono::seconds(1));
  MakeJobs(false, 10)->ExpireOrdersOnce();
  EXPECT_EQ(StateOf(due), OrderState::kCreated);
}

// Start schedules it with the sweep: an order that passes its expiry while the service runs is
// expired without anyone calling the job.
TEST_F(OrderExpiryJobTest, ScheduledWithTheSweep) {
  const Id due = AddOrder(clock_.Now() - std::chrono::seconds(1));
  auto jobs = MakeJobs(true, 10);
  jobs->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (StateOf(due) != OrderState::kExpired && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  jobs->Stop();
  EXPECT_EQ(StateOf(due), OrderState::kExpired);
}

}  // namespace
}  // namespace vpnhub::jobs
