// Telegram Stars through the router: the pre-checkout answer and crediting successful_payment.
#include <memory>

#include "bot/i18n/i18n.hpp"
#include "bot/router_payments_fixture.hpp"

namespace vpnhub::bot {
namespace {

TEST_F(RouterPaymentsTest, PreCheckoutOkForOwnOpenOrderAtItsAmount) {
  const Order o = AliceOrder();
  ASSERT_EQ(o.amount, 100);
  const auto a = PreCheckout(kAlice, std::to_string(o.id), o.amount);
  EXPECT_TRUE(a.ok) << a.error;
  EXPECT_EQ(a.error, "");
}

TEST_F(RouterPaymentsTest, PreCheckoutRefusedForAnotherPersonsOrder) {
  const Order o = AliceOrder();
  const auto a = PreCheckout(kBob, std::to_string(o.id), o.amount);
  EXPECT_FALSE(a.ok);
  EXPECT_FALSE(a.error.empty());
}

TEST_F(RouterPaymentsTest, PreCheckoutRefusedForChangedAmountOrCurrency) {
  const Order o = AliceOrder();
  EXPECT_FALSE(PreCheckout(kAlice, std::to_string(o.id), o.amount - 1).ok);
  EXPECT_FALSE(PreCheckout(kAlice, std::to_string(o.id), o.amount + 1).ok);
  EXPECT_FALSE(PreCheckout(kAlice, std::to_string(o.id), o.amount, "USD").ok);
  EXPECT_TRUE(PreCheckout(kAlice, std::to_string(o.id), o.amount).ok);
}

TEST_F(RouterPaymentsTest, PreCheckoutRefusedForExpiredUnknownOrForeignPayload) {
  const Order o = AliceOrder();
  EXPECT_FALSE(PreCheckout(kAlice, std::to_string(o.id + 100), o.amount).ok);
  EXPECT_FALSE(PreCheckout(kAlice, "x" + std::to_string(o.id), o.amount).ok);
  clock.Advance(billing->config().order_ttl + std::chrono::seconds(1));
  const auto a = PreCheckout(kAlice, std::to_string(o.id), o.amount);
  EXPECT_FALSE(a.ok);
  EXPECT_FALSE(a.error.empty());
}

TEST_F(RouterPaymentsTest, PreCheckoutIsRefusedWhenTheStoreCannotSay) {
  const Order o = AliceOrder();
  faults->FailReads(fakes::FaultStore::kEvery);
  const auto a = PreCheckout(kAlice, std::to_string(o.id), o.amount);
  faults->FailReads(0);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error, i18n::T("en", i18n::Text::kGenericError));
}

TEST_F(RouterPaymentsTest, PaymentsPassTheFloodGuard) {
  options.flood.burst = 1;
  options.flood.per_sec = 0.001;
  Rebuild();
  const Order o = AliceOrder();
  for (int i = 0; i < 5; ++i) Send(kAlice, "/help");
  EXPECT_TRUE(PreCheckout(kAlice, std::to_string(o.id), o.amount).ok);
  router->Handle(PaymentUpdate(kAlice, o, "charge-flood"));
  EXPECT_EQ(Payments().size(), 1u);
}

TEST_F(RouterPaymentsTest, SuccessfulPaymentCreditsOnceWhenDeliveredTwice) {
  const Order o = AliceOrder();
  const std::size_t before = MessagesTo(kAlice).size();
  const telegram::Update first = PaymentUpdate(kAlice, o, "charge-1");
  router->Handle(first);
  router->Handle(first);                                 // the same update again
  router->Handle(PaymentUpdate(kAlice, o, "charge-1"));  // under a new update id
  const auto payments = Payments();
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].state, PaymentState::kCredited);
  EXPECT_EQ(payments[0].provider_payment_id, "charge-1");
  EXPECT_EQ(KeysOf(kAlice).size(), 1u);
  // No receipt of its own: it opens the key's message once the key is active.
  EXPECT_EQ(MessagesTo(kAlice).size(), before);
  EXPECT_TRUE(not_recorded.empty());
  // A payment is never dropped as a duplicate update: both later deliveries are replays.
  EXPECT_EQ(Confirmed("credited"), 1);
  EXPECT_EQ(Confirmed("already_credited"), 2);
  EXPECT_EQ(Confirmed("mismatch"), 0);
}

TEST_F(RouterPaymentsTest, PaymentByAnotherPersonIsNotCredited) {
  const Order o = AliceOrder();
  router->Handle(PaymentUpdate(kBob, o, "charge-bob"));
  const auto payments = Payments();
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].state, PaymentState::kMismatch);
  EXPECT_TRUE(KeysOf(kAlice).empty());
  EXPECT_TRUE(KeysOf(kBob).empty());
  EXPECT_EQ(Confirmed("mismatch"), 1);
  EXPECT_EQ(Confirmed("credited"), 0);
}

TEST_F(RouterPaymentsTest, UnavailableStoreIsRetriedThenReported) {
  const Order o = AliceOrder();
  faults->FailCommits(2);
  router->Handle(PaymentUpdate(kAlice, o, "charge-retry"));
  EXPECT_EQ(Payments().size(), 1u);
  EXPECT_TRUE(not_recorded.empty());

  const Order other = AliceOrder(3);
  ASSERT_NE(other.id, 0);
  faults->FailCommits(fakes::FaultStore::kEvery);
  router->Handle(PaymentUpdate(kAlice, other, "charge-lost"));
  faults->FailCommits(0);
  EXPECT_EQ(Payments().size(), 1u);
  ASSERT_EQ(not_recorded.size(), 1u);
  EXPECT_EQ(not_recorded[0].payer, kAlice);
  EXPECT_EQ(not_recorded[0].charge_id, "charge-lost");
  EXPECT_NE(not_recorded[0].error.find("unavailable"), std::string::npos) << not_recorded[0].error;
}

TEST_F(RouterPaymentsTest, PaymentThatIsNotOursIsReported) {
  const Order o = AliceOrder();
  telegram::Update u = PaymentUpdate(kAlice, o, "charge-x");
  u.message->successful_payment->invoice_payload = "junk";
  router->Handle(u);
  EXPECT_TRUE(Payments().empty());
  ASSERT_EQ(not_recorded.size(), 1u);
  EXPECT_EQ(not_recorded[0].charge_id, "charge-x");
}

}  // namespace
}  // namespace vpnhub::bot

namespace vpnhub::bot {
namespace {

using RouterBuyTest = RouterPaymentsTest;

TEST_F(RouterBuyTest, BuyWalksLocationThenTariffThenSendsTheInvoice) {
  Send(kAlice, "/buy");
  const std::string location = "b:" + std::to_string(nl_id);
  ASSERT_TRUE(HasButton(Last(kAlice), location)) << Last(kAlice).text;
  EXPECT_EQ(Tap(kAlice, location), "");
  const OutgoingMessage tariffs = Last(kAlice);
  const std::string three = "p:" + std::to_string(nl_id) + ".3";
  ASSERT_TRUE(HasButton(tariffs, three));
  bool priced = false;
  for (const auto& row : tariffs.keyboard)
    for (const auto& b : row)
      if (b.callback_data == three) priced = b.text.find("250") != std::string::npos;
  EXPECT_TRUE(priced) << "the 3-month button shows its configured price";
  // The pay step: the provider (even the only one) and "I have a promo code".
  EXPECT_EQ(Tap(kAlice, three), "");
  const std::string stars = "v:" + std::to_string(nl_id) + ".3.1";
  ASSERT_TRUE(HasButton(Last(kAlice), stars)) << Last(kAlice).text;
  EXPECT_TRUE(HasButton(Last(kAlice), "c:" + std::to_string(nl_id) + ".3"));
  // The invoice, and the same order on a second tap.
  EXPECT_EQ(Tap(kAlice, stars), "");
  EXPECT_EQ(Tap(kAlice, stars), "");
  EXPECT_EQ(Orders().size(), 1u);
  std::lock_guard lock(provider.mu);
  ASSERT_EQ(provider.invoices.size(), 2u);
  EXPECT_EQ(provider.invoices[0].first.id, provider.invoices[1].first.id);
  EXPECT_EQ(provider.invoices[0].first.amount, 250);
  EXPECT_EQ(provider.invoices[0].first.months, 3);
  EXPECT_EQ(provider.invoices[0].first.user_id, FindUser(kAlice)->id);
}

TEST_F(RouterBuyTest, ForgedBuyButtonsSendNoInvoice) {
  const std::string outdated = i18n::T("en", i18n::Text::kButtonOutdated);
  EXPECT_EQ(Tap(kAlice, "p:" + std::to_string(nl_id) + ".2"), outdated);       // no such tariff
  EXPECT_EQ(Tap(kAlice, "p:" + std::to_string(nl_id + 50) + ".1"), outdated);  // no location
  EXPECT_EQ(Tap(kAlice, "b:" + std::to_string(nl_id + 50)), outdated);
  EXPECT_EQ(Tap(kAlice, "v:" + std::to_string(nl_id) + ".1.2"), outdated);  // no 2nd provider
  std::lock_guard lock(provider.mu);
  EXPECT_TRUE(provider.invoices.empty());
}

}  // namespace
}  // namespace vpnhub::bot
