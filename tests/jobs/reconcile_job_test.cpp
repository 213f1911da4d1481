// The scheduler's reconciliation: ServiceJobs::ReconcileOnce asks the providers about due orders
// only in the one instance holding the "payment_reconcile" lease, and counts what it found.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
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

// A provider over HTTP whose invoices are always still pending; counts the orders it is asked.
class PendingProvider : public ports::PaymentProvider {
 public:
  std::string Name() const override { return "link"; }
  std::string Currency() const override { return "RUB"; }
  Result<ports::InvoiceRequest> CreateInvoice(const Order&, const ports::InvoiceTexts&) override {
    return FailedPrecondition("not in this test");
  }
  Status Refund(const Payment&, TgId) override { return FailedPrecondition("no refunds"); }
  bool TakesNotices() const override { return true; }
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override {
    std::lock_guard lock(mu_);
    asked_.push_back(order.id);
    return ports::PaymentCheck{};  // pending
  }
  std::vector<Id> asked() {
    std::lock_guard lock(mu_);
    return asked_;
  }

 private:
  std::mutex mu_;
  std::vector<Id> asked_;
};

class ReconcileJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      User u;
      u.tg_id = 42;
      u.lang = "en";
      VPNHUB_ASSIGN_OR_RETURN(Id user_id, tx.users().InsertUser(u));
      Order o;
      o.user_id = user_id;
      o.kind = OrderKind::kNewKey;
      o.location_id = 1;
      o.months = 1;
      o.provider = "link";
      o.amount = 150;
      o.currency = "RUB";
      o.created_at = clock_.Now();
      o.expires_at = clock_.Now() + std::chrono::hours(1);
      o.updated_at = clock_.Now();
      VPNHUB_ASSIGN_OR_RETURN(order_id_, tx.billing().InsertOrder(o));
      // An invoice whose check is due now.
      return tx.invoices().SetOrderInvoice(order_id_, "inv-1", "https://pay.example/1",
                                           clock_.Now(), clock_.Now());
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::unique_ptr<ServiceJobs> MakeJobs(const std::string& instance) {
    ServiceJobsOptions options;
    options.billing = &billing_;
    options.instance_id = instance;
    return std::make_unique<ServiceJobs>(store_, sweep_, log_, registry_, readiness_, options,
                                         nullptr);
  }

  double Reconciled(const std::string& outcome) {
    return registry_
        .GetCounter("vpnhub_payment_reconciled_total", "",
                    {{"provider", "link"}, {"outcome", outcome}})
        .Value();
  }

  fakes::MemoryStore store_;
  fakes::FakeClock clock_;
  fakes::FakeSecrets secrets_;
  fakes::CapturingLog log_;
  usecases::Backends backends_;
  PendingProvider link_;
  usecases::KeyService keys_{store_, backends_, secrets_, clock_, "en"};
  usecases::BillingService billing_{store_, keys_, clock_, BillingConfig{}, {{"link", &link_}},
                                    {},     "en"};
  usecases::ExpirySweep sweep_{store_, clock_};
  metrics::Registry registry_;
  Readiness readiness_;
  Id order_id_ = 0;
};

// Two instances run the job: the one that took the lease asks the provider; the other, while the
// lease is held, asks nothing, even with the order due again.
TEST_F(ReconcileJobTest, OnlyTheInstanceHoldingTheLeaseAsksTheProviders) {
  auto a = MakeJobs("host-a:1");
  auto b = MakeJobs("host-b:2");
  a->ReconcileOnce();
  ASSERT_EQ(link_.asked(), std::vector<Id>{order_id_});
  EXPECT_EQ(Reconciled("pending"), 1);
  clock_.Advance(std::chrono::hours(2));  // due again (and past expiry: still asked once more)
  b->ReconcileOnce();
  EXPECT_EQ(link_.asked().size(), 1u) << "the instance without the lease asked the provider";
  EXPECT_EQ(Reconciled("pending"), 1);
  a->ReconcileOnce();  // the holder renews and goes on
  EXPECT_EQ(link_.asked().size(), 2u);
}

}  // namespace
}  // namespace vpnhub::jobs
