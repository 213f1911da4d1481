// BillingService: orders, pre-checkout, crediting exactly once, mismatches and ownership.
#include "billing_fixture.hpp"

namespace vpnhub {
namespace {

using Outcome = usecases::ConfirmResult::Outcome;

TEST_F(BillingTest, OrderAmountComesFromConfigurationAndASecondTapReusesIt) {
  Order o = MustOrder(NewKey(kAlice, 3));
  EXPECT_EQ(o.amount, 250);
  EXPECT_EQ(o.currency, "XTR");
  EXPECT_EQ(o.state, OrderState::kCreated);
  EXPECT_EQ(o.expires_at, clock.Now() + std::chrono::hours(1));
  EXPECT_EQ(MustOrder(NewKey(kAlice, 3)).id, o.id);
  EXPECT_NE(MustOrder(NewKey(kAlice, 1)).id, o.id);  // another choice
  clock.Advance(std::chrono::hours(2));
  EXPECT_NE(MustOrder(NewKey(kAlice, 3)).id, o.id);  // the first one expired
}

TEST_F(BillingTest, UnknownTariffsAndProvidersAreRefused) {
  EXPECT_EQ(billing->CreateOrder(NewKey(kAlice, 2)).status().code(), StatusCode::kInvalidArgument);
  auto r = NewKey(kAlice, 1);
  r.provider = "paypal";
  EXPECT_EQ(billing->CreateOrder(r).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BillingTest, ExtendingAnotherPersonsKeyIsRefused) {
  Key bobs = BuyKey(kBob, 1, "c-bob");
  usecases::OrderRequest r = Extension(kAlice, bobs.id, 1);
  EXPECT_EQ(billing->CreateOrder(r).status().code(), StatusCode::kNotFound);
  r.tg_id = kBob;
  EXPECT_TRUE(billing->CreateOrder(r).ok());
}

TEST_F(BillingTest, InvoiceOnlyForTheOwnersPayableOrder) {
  Order o = MustOrder(NewKey(kAlice, 3));
  EXPECT_EQ(billing->Invoice(kBob, o.id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(billing->Invoice(kAlice, o.id).ok());
  ASSERT_EQ(provider.invoices.size(), 1u);
  EXPECT_EQ(provider.invoices[0].first.id, o.id);
  EXPECT_EQ(provider.invoices[0].second.chat_id, kAlice);
  EXPECT_EQ(provider.invoices[0].second.title, "VPN for 3 months");
  clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(billing->Invoice(kAlice, o.id).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(BillingTest, PreCheckoutChecksOwnerStateExpiryAmountAndCurrency) {
  using R = usecases::billing_texts::Refusal;
  Order o = MustOrder(NewKey(kAlice, 3));
  auto check = [&](TgId payer, Id order, std::int64_t total, const std::string& currency) {
    auto a = billing->CheckPreCheckout(payer, order, total, currency);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : usecases::PreCheckoutAnswer{};
  };
  EXPECT_TRUE(check(kAlice, o.id, 250, "XTR").ok);
  EXPECT_EQ(check(kBob, o.id, 250, "XTR").refusal, R::kNotYours);
  EXPECT_EQ(check(kBob, o.id, 250, "XTR").refusal_text, "Заказ не найден. Оформите новый.");
  EXPECT_EQ(check(kAlice, o.id + 100, 250, "XTR").refusal, R::kNotFound);
  EXPECT_EQ(check(kAlice, o.id, 249, "XTR").refusal, R::kAmountDiffers);
  EXPECT_EQ(check(kAlice, o.id, 250, "RUB").refusal, R::kAmountDiffers);
  MustConfirm(Paid(o, "c1", kAlice));
  EXPECT_EQ(check(kAlice, o.id, 250, "XTR").refusal, R::kNotPayable);
  Order later = MustOrder(NewKey(kAlice, 1));
  clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(check(kAlice, later.id, 100, "XTR").refusal, R::kExpired);
}

TEST_F(BillingTest, APaymentCreditsExactlyOnceHoweverOftenItIsReplayed) {
  Order o = MustOrder(NewKey(kAlice, 3));
  auto first = MustConfirm(Paid(o, "charge-1", kAlice));
  EXPECT_EQ(first.outcome, Outcome::kCredited);
  for (int i = 0; i < 9; ++i) {
    auto again = MustConfirm(Paid(o, "charge-1", kAlice));
    EXPECT_EQ(again.outcome, Outcome::kAlreadyCredited);
    EXPECT_EQ(again.payment_id, first.payment_id);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE kind = 'provision_key'"), 1);
  // The receipt comes with the key, once it is active (billing_receipt_test.cpp).
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 1001"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 999"), 1);
  Key k = GetKey(first.key_id);
  EXPECT_EQ(k.expires_at, clock.Now() + 3 * kBillingMonth);
  EXPECT_TRUE(k.announce_when_ready);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'fulfilled' AND result_key_id = " +
                  std::to_string(k.id)),
            1);
}

TEST_F(BillingTest, ASecondPaymentForAPaidOrderIsAMismatch) {
  Order o = MustOrder(NewKey(kAlice, 1));
  MustConfirm(Paid(o, "charge-1", kAlice));
  auto second = MustConfirm(Paid(o, "charge-2", kAlice));
  EXPECT_EQ(second.outcome, Outcome::kMismatch);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
}

TEST_F(BillingTest, AMismatchedAmountIsRecordedNeverCredited) {
  Order o = MustOrder(NewKey(kAlice, 3));
  auto c = Paid(o, "charge-1", kAlice);
  c.amount = 1;
  auto r = MustConfirm(c);
  EXPECT_EQ(r.outcome, Outcome::kMismatch);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE state = 'mismatch'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'created'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 999 AND text LIKE "
                  "'%NOT credited%'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 1001 AND text LIKE "
                  "'%contact support%'"),
            1);
  // Replayed, still one row and nothing credited.
  EXPECT_EQ(MustConfirm(c).outcome, Outcome::kAlreadyCredited);
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 1);
}

TEST_F(BillingTest, CurrencyProviderPayerAndUnknownOrderAreMismatches) {
  Order o = MustOrder(NewKey(kAlice, 3));
  auto currency = Paid(o, "c-cur", kAlice);
  currency.currency = "RUB";
  EXPECT_EQ(MustConfirm(currency).outcome, Outcome::kMismatch);
  auto provider_name = Paid(o, "c-prov", kAlice);
  provider_name.provider = "other";
  EXPECT_EQ(MustConfirm(provider_name).outcome, Outcome::kMismatch);
  EXPECT_EQ(MustConfirm(Paid(o, "c-bob", kBob)).outcome, Outcome::kMismatch);  // not the owner
  auto unknown = Paid(o, "c-unknown", kAlice);
  unknown.order_id = o.id + 50;
  EXPECT_EQ(MustConfirm(unknown).outcome, Outcome::kMismatch);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 0);
  EXPECT_EQ(MustConfirm(Paid(o, "c-good", kAlice)).outcome, Outcome::kCredited);
}

TEST_F(BillingTest, ExtensionAddsExactlyTheMonthsBought) {
  Key k = BuyKey(kAlice, 1, "c1");
  const Time before = k.expires_at;
  clock.Advance(std::chrono::hours(24));
  usecases::OrderRequest r = Extension(kAlice, k.id, 3);
  Order o = MustOrder(r);
  auto res = MustConfirm(Paid(o, "c2", kAlice));
  EXPECT_EQ(res.outcome, Outcome::kCredited);
  EXPECT_EQ(res.key_id, k.id);
  EXPECT_EQ(GetKey(k.id).expires_at, before + 3 * kBillingMonth);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
  // The server's copy of the expiry (a panel's) follows, committed with the credit.
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE kind = 'sync_key' AND state = 'pending' AND "
                  "subject_id = " +
                  std::to_string(k.id)),
            1);
}

TEST_F(BillingTest, ExtendingAnEndedKeyBuysANewKeyInItsLocation) {
  Key k = BuyKey(kAlice, 1, "c1");
  ASSERT_TRUE(keys->Revoke(k.id, "test").ok());
  usecases::OrderRequest r = Extension(kAlice, k.id, 1);
  auto res = MustConfirm(Paid(MustOrder(r), "c2", kAlice));
  EXPECT_EQ(res.outcome, Outcome::kCredited);
  EXPECT_NE(res.key_id, k.id);
  EXPECT_EQ(GetKey(res.key_id).server_id, k.server_id);
  EXPECT_EQ(GetKey(res.key_id).expires_at, clock.Now() + kBillingMonth);
}

TEST_F(BillingTest, AFailedCommitCreditsNothingAndTheRetryCreditsOnce) {
  fakes::FaultStore faulty(*store);
  static_cast<app::UseCases&>(*this) =
      app::MakeUseCases(app::TestConfig({{"MONTH_COST_STARS", "100,250,450,800"}}),
                        {faulty, backends, clock, secrets, log, {{"stars", &provider}}});
  Order o = MustOrder(NewKey(kAlice, 1));
  faulty.FailCommits(1);
  EXPECT_FALSE(billing->ConfirmPayment(Paid(o, "c1", kAlice)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM payments"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'created'"), 1);
  EXPECT_EQ(MustConfirm(Paid(o, "c1", kAlice)).outcome, Outcome::kCredited);
  EXPECT_EQ(MustConfirm(Paid(o, "c1", kAlice)).outcome, Outcome::kAlreadyCredited);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
}

TEST_F(BillingTest, AFullLocationKeepsThePaymentAndTellsTheAdmins) {
  Order o = MustOrder(NewKey(kAlice, 1));
  ASSERT_TRUE(store->Sql("UPDATE servers SET capacity = 0").ok());
  auto r = MustConfirm(Paid(o, "c1", kAlice));
  EXPECT_EQ(r.outcome, Outcome::kNotFulfilled);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE state = 'credited'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'paid'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 999 AND text LIKE "
                  "'%could not be carried out%'"),
            1);
  EXPECT_EQ(MustConfirm(Paid(o, "c1", kAlice)).outcome, Outcome::kAlreadyCredited);
}

}  // namespace
}  // namespace vpnhub
