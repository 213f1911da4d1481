// BillingService::ReceiveNotice (webhooks of the providers over HTTP) and ReconcileDue (asking a
// provider about an invoice whose webhook never came), over a scripted provider "link" (RUB).
#include <mutex>

#include "billing_fixture.hpp"
#include "fakes/tx_watch_store.hpp"

namespace vpnhub {
namespace {

using Kind = usecases::NoticeOutcome::Kind;

// A provider over HTTP whose verdicts and answers the test scripts.
class LinkProvider : public ports::PaymentProvider {
 public:
  std::string Name() const override { return "link"; }
  std::string Label() const override { return "Link Pay"; }
  std::string Currency() const override { return "RUB"; }
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts&) override {
    std::lock_guard lock(mu);
    Called();
    ++invoices;
    if (!invoice_status.ok()) return invoice_status;
    return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink,
                                 "https://pay.example/" + std::to_string(order.id),
                                 "inv-" + std::to_string(order.id)};
  }
  Status Refund(const Payment&, TgId) override { return FailedPrecondition("no refunds"); }
  bool TakesNotices() const override { return true; }
  Result<ports::NoticeVerdict> ReadNotice(const ports::PaymentNotice& notice) override {
    std::lock_guard lock(mu);
    Called();
    last_body = notice.body;
    return verdict;
  }
  Result<ports::PaymentCheck> CheckOrder(const Order& order) override {
    std::lock_guard lock(mu);
    Called();
    asked.push_back(order.id);
    return check;
  }

  // Counts the calls, and those made while `watch` had a transaction open.
  void Called() {
    ++calls;
    if (watch != nullptr && watch->open() > 0) ++calls_in_tx;
  }

  std::mutex mu;
  const fakes::TxWatchStore* watch = nullptr;
  int calls = 0;
  int calls_in_tx = 0;
  int invoices = 0;
  Status invoice_status;
  std::string last_body;
  Result<ports::NoticeVerdict> verdict = ports::NoticeVerdict{};
  Result<ports::PaymentCheck> check = ports::PaymentCheck{};
  std::vector<Id> asked;
};

class BillingNoticesTest : public BillingTest {
 protected:
  void SetUp() override {
    BillingTest::SetUp();
    WireLink(*store);
  }

  // The use cases over `over` (the store itself, or a fault-injecting wrapper of it).
  void WireLink(ports::Store& over) {
    static_cast<app::UseCases&>(*this) = app::MakeUseCases(
        app::TestConfig({{"TG_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"},
                         {"ADMIN_TG_ID", std::to_string(kAdmin)},
                         {"MONTH_COST", "150,400,750,1400"}}),
        {over, backends, clock, secrets, log, {{"link", &link_}}});
  }

  Order LinkOrder(TgId tg, int months) {
    usecases::OrderRequest r = NewKey(tg, months);
    r.provider = "link";
    return MustOrder(r);
  }

  static ports::NoticeVerdict PaidVerdict(const Order& o, const std::string& id,
                                          std::int64_t amount) {
    ports::NoticeVerdict v;
    v.kind = ports::NoticeVerdict::Kind::kPaid;
    v.confirmation.provider = "link";
    v.confirmation.provider_payment_id = id;
    v.confirmation.order_id = o.id;
    v.confirmation.amount = amount;
    v.confirmation.currency = "RUB";
    return v;
  }

  Kind Notice() {
    auto out = billing->ReceiveNotice("link", ports::PaymentNotice{"{}", {}, "", "127.0.0.1"});
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->kind : Kind::kMalformed;
  }

  Order Reread(Id id) {
    Order o;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(o, tx.billing().GetOrder(id));
                      return Status::Ok();
                    })
                    .ok());
    return o;
  }

  LinkProvider link_;
};

TEST_F(BillingNoticesTest, AnInvoiceLinkIsRecordedAndShownAgainWithoutAskingTheProvider) {
  const Order o = LinkOrder(kAlice, 1);
  EXPECT_EQ(o.amount, 150);
  auto first = billing->Invoice(kAlice, o.id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = billing->Invoice(kAlice, o.id);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->url, first->url);
  EXPECT_EQ(link_.invoices, 1);
  const Order stored = Reread(o.id);
  EXPECT_EQ(stored.invoice_ref, "inv-" + std::to_string(o.id));
  EXPECT_EQ(stored.invoice_url, first->url);
  ASSERT_TRUE(stored.next_check_at.has_value());
  EXPECT_EQ(*stored.next_check_at, clock.Now() + std::chrono::seconds(60));
  // Another person's order is not theirs to pay.
  EXPECT_EQ(billing->Invoice(kBob, o.id).status().code(), StatusCode::kNotFound);
}

TEST_F(BillingNoticesTest, AProviderDownAtInvoiceTimeKeepsTheOrderPayable) {
  const Order o = LinkOrder(kAlice, 1);
  link_.invoice_status = Unavailable("link: HTTP 500");
  EXPECT_EQ(billing->Invoice(kAlice, o.id).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Reread(o.id).invoice_url.empty());
  link_.invoice_status = Status::Ok();
  EXPECT_TRUE(billing->Invoice(kAlice, o.id).ok());
  EXPECT_FALSE(Reread(o.id).invoice_url.empty());
}

TEST_F(BillingNoticesTest, APaidNoticeCreditsOnceAndAReplayChangesNothing) {
  const Order o = LinkOrder(kAlice, 1);
  link_.verdict = PaidVerdict(o, "pay-1", 150);
  EXPECT_EQ(Notice(), Kind::kCredited);
  EXPECT_EQ(Notice(), Kind::kAlreadyCredited);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(Reread(o.id).state, OrderState::kFulfilled);
}

TEST_F(BillingNoticesTest, RefusedNoticesChangeNothing) {
  const Order o = LinkOrder(kAlice, 1);
  ports::NoticeVerdict bad;
  bad.kind = ports::NoticeVerdict::Kind::kBadSignature;
  link_.verdict = bad;
  EXPECT_EQ(Notice(), Kind::kBadSignature);
  bad.kind = ports::NoticeVerdict::Kind::kMalformed;
  link_.verdict = bad;
  EXPECT_EQ(Notice(), Kind::kMalformed);
  bad.kind = ports::NoticeVerdict::Kind::kIgnored;
  link_.verdict = bad;
  EXPECT_EQ(Notice(), Kind::kIgnored);
  link_.verdict = Unavailable("link: the API is down");
  EXPECT_EQ(billing->ReceiveNotice("link", {}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(billing->ReceiveNotice("nosuch", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
}

TEST_F(BillingNoticesTest, APaidNoticeForAnOrderThatIsNotThisProvidersIsIgnored) {
  // An order of another provider (stars), and an id no order has.
  usecases::OrderRequest stars_request = NewKey(kAlice, 1);
  static_cast<app::UseCases&>(*this) = app::MakeUseCases(
      app::TestConfig({{"TG_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"},
                       {"MONTH_COST_STARS", "100,250,450,800"}}),
      {*store, backends, clock, secrets, log, {{"link", &link_}, {"stars", &provider}}});
  const Order stars = MustOrder(stars_request);
  link_.verdict = PaidVerdict(stars, "pay-2", stars.amount);
  EXPECT_EQ(Notice(), Kind::kUnknownOrder);
  Order none = stars;
  none.id = 424242;
  link_.verdict = PaidVerdict(none, "pay-3", 150);
  EXPECT_EQ(Notice(), Kind::kUnknownOrder);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
}

// A paid notice whose order the store cannot look up is an error (the route answers 503 and the
// provider delivers again), never "ignored" / unknown order (200: the provider would stop).
TEST_F(BillingNoticesTest, AStoreThatCannotLookTheOrderUpIsAnErrorNeverIgnored) {
  const Order o = LinkOrder(kAlice, 1);
  link_.verdict = PaidVerdict(o, "pay-11", 150);
  const ports::PaymentNotice notice{"{}", {}, "", "127.0.0.1"};
  // The whole read fails (the database is unreachable).
  fakes::FaultStore faulty(*store);
  WireLink(faulty);
  faulty.FailReads(1);
  auto out = billing->ReceiveNotice("link", notice);
  EXPECT_FALSE(out.ok()) << "answered " << usecases::NoticeOutcomeName(out->kind);
  EXPECT_EQ(faulty.counts().failed_reads, 1);
  // The read runs but looking the order up fails (here: its table is gone for a moment).
  ASSERT_TRUE(store->Sql("ALTER TABLE orders RENAME TO orders_away").ok());
  out = billing->ReceiveNotice("link", notice);
  ASSERT_TRUE(store->Sql("ALTER TABLE orders_away RENAME TO orders").ok());
  EXPECT_FALSE(out.ok()) << "answered " << usecases::NoticeOutcomeName(out->kind);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
  // The provider's next delivery credits.
  EXPECT_EQ(Notice(), Kind::kCredited);
}

TEST_F(BillingNoticesTest, AChangedAmountIsRecordedAsMismatchAndAlertsTheAdmins) {
  const Order o = LinkOrder(kAlice, 1);
  link_.verdict = PaidVerdict(o, "pay-4", 1);
  EXPECT_EQ(Notice(), Kind::kMismatch);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE state = 'mismatch'"), 1);
  EXPECT_EQ(Reread(o.id).state, OrderState::kCreated);
  EXPECT_GE(
      Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = " + std::to_string(kAdmin)), 1);
}

TEST_F(BillingNoticesTest, ReconciliationAsksWhenDueBacksOffAndCreditsALostWebhook) {
  const Order o = LinkOrder(kAlice, 1);
  ASSERT_TRUE(billing->Invoice(kAlice, o.id).ok());
  auto run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->asked.empty()) << "asked before the first minute";
  clock.Advance(std::chrono::seconds(61));
  run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "pending");
  Order after = Reread(o.id);
  EXPECT_EQ(after.checks, 1);
  ASSERT_TRUE(after.next_check_at.has_value());
  EXPECT_EQ(*after.next_check_at, clock.Now() + std::chrono::seconds(60));
  clock.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(billing->ReconcileDue().ok());
  after = Reread(o.id);
  EXPECT_EQ(*after.next_check_at, clock.Now() + std::chrono::seconds(120)) << "doubled";

  ports::PaymentCheck paid;
  paid.kind = ports::PaymentCheck::Kind::kPaid;
  paid.confirmation = PaidVerdict(o, "pay-5", 150).confirmation;
  link_.check = paid;
  clock.Advance(std::chrono::seconds(121));
  run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "credited");
  EXPECT_EQ(Reread(o.id).state, OrderState::kFulfilled);
  EXPECT_FALSE(Reread(o.id).next_check_at.has_value());
  // The late webhook of the same payment is a replay.
  link_.verdict = PaidVerdict(o, "pay-5", 150);
  EXPECT_EQ(Notice(), Kind::kAlreadyCredited);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
}

// The provider, asked about one order, answers with a paid confirmation that names another
// (a confused API, an invoice_ref pointing elsewhere): neither order is credited, the run says
// "mismatch" (the job counts and logs it) and the asked order is asked again later.
// The provider's API is never called while a database transaction is open (a slow provider
// would hold the transaction, and its locks, for as long as it takes): not at invoice time, not
// for a webhook (credited, replay, unknown order, refused), not by the reconciliation.
TEST_F(BillingNoticesTest, NoProviderCallWhileATransactionIsOpen) {
  fakes::TxWatchStore watch(*store);
  WireLink(watch);
  link_.watch = &watch;
  const Order o = LinkOrder(kAlice, 1);
  ASSERT_TRUE(billing->Invoice(kAlice, o.id).ok());
  link_.verdict = PaidVerdict(o, "pay-20", 150);
  EXPECT_EQ(Notice(), Kind::kCredited);
  EXPECT_EQ(Notice(), Kind::kAlreadyCredited);
  Order none = o;
  none.id = 777777;
  link_.verdict = PaidVerdict(none, "pay-21", 150);
  EXPECT_EQ(Notice(), Kind::kUnknownOrder);
  ports::NoticeVerdict bad;
  bad.kind = ports::NoticeVerdict::Kind::kBadSignature;
  link_.verdict = bad;
  EXPECT_EQ(Notice(), Kind::kBadSignature);
  const Order later = LinkOrder(kBob, 1);
  ASSERT_TRUE(billing->Invoice(kBob, later.id).ok());
  ports::PaymentCheck paid;
  paid.kind = ports::PaymentCheck::Kind::kPaid;
  paid.confirmation = PaidVerdict(later, "pay-22", 150).confirmation;
  link_.check = paid;
  clock.Advance(std::chrono::seconds(61));
  auto run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "credited");
  EXPECT_EQ(link_.calls, 2 + 4 + 1);
  EXPECT_EQ(link_.calls_in_tx, 0);
  link_.watch = nullptr;
}

TEST_F(BillingNoticesTest, ReconciliationNeverCreditsAConfirmationOfAnotherOrder) {
  const Order asked = LinkOrder(kAlice, 1);
  const Order other = LinkOrder(kBob, 1);
  ASSERT_TRUE(billing->Invoice(kAlice, asked.id).ok());
  ports::PaymentCheck paid;
  paid.kind = ports::PaymentCheck::Kind::kPaid;
  paid.confirmation = PaidVerdict(other, "pay-9", 150).confirmation;
  link_.check = paid;
  clock.Advance(std::chrono::seconds(61));
  auto run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].order_id, asked.id);
  EXPECT_EQ(run->asked[0].outcome, "mismatch") << run->asked[0].detail;
  EXPECT_NE(run->asked[0].detail.find(std::to_string(other.id)), std::string::npos)
      << run->asked[0].detail;
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Reread(asked.id).state, OrderState::kCreated);
  EXPECT_EQ(Reread(other.id).state, OrderState::kCreated);
  EXPECT_TRUE(Reread(asked.id).next_check_at.has_value()) << "asked again later";

  // The right answer later still credits the asked order.
  paid.confirmation = PaidVerdict(asked, "pay-10", 150).confirmation;
  link_.check = paid;
  clock.Set(*Reread(asked.id).next_check_at);
  run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "credited") << run->asked[0].detail;
  EXPECT_EQ(Reread(asked.id).state, OrderState::kFulfilled);
  EXPECT_EQ(Reread(other.id).state, OrderState::kCreated);
}

TEST_F(BillingNoticesTest, ReconciliationStopsOnAClosedInvoiceAnUnaskableProviderOrAfterTheGrace) {
  const Order closed = LinkOrder(kAlice, 1);
  ASSERT_TRUE(billing->Invoice(kAlice, closed.id).ok());
  ports::PaymentCheck check;
  check.kind = ports::PaymentCheck::Kind::kClosed;
  link_.check = check;
  clock.Advance(std::chrono::seconds(61));
  auto run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "closed");
  EXPECT_FALSE(Reread(closed.id).next_check_at.has_value());

  const Order unaskable = LinkOrder(kBob, 1);
  ASSERT_TRUE(billing->Invoice(kBob, unaskable.id).ok());
  link_.check = FailedPrecondition("link cannot be asked");
  clock.Advance(std::chrono::seconds(61));
  run = billing->ReconcileDue();
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->asked.size(), 1u);
  EXPECT_EQ(run->asked[0].outcome, "not_supported");
  EXPECT_FALSE(Reread(unaskable.id).next_check_at.has_value());

  // A provider that stays down is asked until a day past the order's expiry, then no more.
  const Order down = LinkOrder(kAlice, 3);
  ASSERT_TRUE(billing->Invoice(kAlice, down.id).ok());
  link_.check = Unavailable("link: HTTP 503");
  int runs = 0;
  while (Reread(down.id).next_check_at.has_value() && runs < 100) {
    clock.Set(*Reread(down.id).next_check_at);
    ASSERT_TRUE(billing->ReconcileDue().ok());
    ++runs;
  }
  EXPECT_LT(runs, 100);
  EXPECT_GT(runs, 3);
  EXPECT_LE(clock.Now(), down.expires_at + std::chrono::hours(25));
}

}  // namespace
}  // namespace vpnhub
