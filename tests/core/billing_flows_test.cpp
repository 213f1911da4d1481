// BillingService: promo codes, referral rewards, location switches, refunds and the trial bonus
// of invited people.
#include "billing_fixture.hpp"
#include "core/usecases/server_drain.hpp"

namespace vpnhub {
namespace {

using Outcome = usecases::ConfirmResult::Outcome;

class BillingFlowTest : public BillingTest {
 protected:
  void AddPromo(const std::string& code, int percent, int days, int max_uses = 0, bool once = false,
                std::optional<Time> until = std::nullopt) {
    PromoCode p;
    p.code = code;
    p.percent = percent;
    p.bonus_days = days;
    p.max_uses = max_uses;
    p.once_per_person = once;
    p.valid_until = until;
    p.created_at = clock.Now();
    ASSERT_TRUE(
        store->Write([&](ports::StoreTx& tx) { return tx.billing().InsertPromo(p).status(); })
            .ok());
  }
};

TEST_F(BillingFlowTest, PercentPromoLowersTheAmountAndIsCountedOnPayment) {
  AddPromo("SPRING", 20, 0);
  Order o = MustOrder(NewKey(kAlice, 3, " spring "));
  EXPECT_EQ(o.amount, 200);
  EXPECT_EQ(o.promo_code, "SPRING");
  EXPECT_EQ(Count("SELECT uses FROM promo_codes"), 0);
  MustConfirm(Paid(o, "c1", kAlice));
  EXPECT_EQ(Count("SELECT uses FROM promo_codes"), 1);
}

TEST_F(BillingFlowTest, DaysPromoAddsDaysToTheKey) {
  AddPromo("BONUS", 0, 7);
  Order o = MustOrder(NewKey(kAlice, 1, "bonus"));
  EXPECT_EQ(o.amount, 100);
  auto r = MustConfirm(Paid(o, "c1", kAlice));
  EXPECT_EQ(GetKey(r.key_id).expires_at, clock.Now() + kBillingMonth + std::chrono::hours(24 * 7));
}

TEST_F(BillingFlowTest, PromoRulesAreChecked) {
  AddPromo("OFF", 10, 0);
  ASSERT_TRUE(store->Sql("UPDATE promo_codes SET enabled = 0").ok());
  AddPromo("OLD", 10, 0, 0, false, clock.Now() - std::chrono::hours(1));
  AddPromo("ONE", 10, 0, 1);
  AddPromo("MINE", 10, 0, 0, true);
  EXPECT_EQ(billing->CheckPromo(kAlice, "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(billing->CheckPromo(kAlice, "off").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(billing->CheckPromo(kAlice, "old").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(billing->CreateOrder(NewKey(kAlice, 1, "old")).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(billing->CheckPromo(kAlice, "one").ok());
  MustConfirm(Paid(MustOrder(NewKey(kAlice, 1, "one")), "c1", kAlice));
  EXPECT_EQ(billing->CheckPromo(kBob, "one").status().code(), StatusCode::kFailedPrecondition);
  MustConfirm(Paid(MustOrder(NewKey(kAlice, 1, "mine")), "c2", kAlice));
  EXPECT_EQ(billing->CheckPromo(kAlice, "mine").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(billing->CheckPromo(kBob, "mine").ok());
}

TEST_F(BillingFlowTest, AOneUseCodeTakenByTwoOpenOrdersCreditsOnlyTheFirst) {
  AddPromo("ONE", 50, 0, 1);
  Order a = MustOrder(NewKey(kAlice, 1, "one"));
  Order b = MustOrder(NewKey(kBob, 1, "one"));
  EXPECT_EQ(MustConfirm(Paid(a, "ca", kAlice)).outcome, Outcome::kCredited);
  auto second = MustConfirm(Paid(b, "cb", kBob));
  EXPECT_EQ(second.outcome, Outcome::kMismatch);
  EXPECT_EQ(Count("SELECT uses FROM promo_codes"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
}

TEST_F(BillingFlowTest, TheReferrerGetsDaysOnTheirLongestKeyOncePerPaidOrder) {
  Key short_key = BuyKey(kAlice, 1, "a1");
  Key long_key = BuyKey(kAlice, 3, "a3");
  ASSERT_TRUE(bot->Touch(2001, "carol", "en", "r" + std::to_string(kAlice)).ok());
  Order o = MustOrder(NewKey(2001, 1));
  MustConfirm(Paid(o, "c1", 2001));
  MustConfirm(Paid(o, "c1", 2001));  // a replay rewards nothing more
  EXPECT_EQ(GetKey(long_key.id).expires_at, long_key.expires_at + std::chrono::hours(24 * 3));
  EXPECT_EQ(GetKey(short_key.id).expires_at, short_key.expires_at);
  auto totals = billing->Referrals(kAlice);
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->invited, 1);
  EXPECT_EQ(totals->paid, 1);
  EXPECT_EQ(totals->rewards, 1);
  EXPECT_EQ(totals->days_earned, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 1001 AND text LIKE "
                  "'%Someone you invited%'"),
            1);
}

TEST_F(BillingFlowTest, NoRewardForSelfReferral) {
  ASSERT_TRUE(store->Sql("UPDATE users SET referrer_id = id WHERE tg_id = 1001").ok());
  BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(Count("SELECT count(*) FROM referral_rewards"), 0);
}

TEST_F(BillingFlowTest, AReferrerWithoutKeysKeepsTheDaysForTheirNextKey) {
  ASSERT_TRUE(bot->Touch(2001, "carol", "en", "r" + std::to_string(kAlice)).ok());
  MustConfirm(Paid(MustOrder(NewKey(2001, 1)), "c1", 2001));
  EXPECT_EQ(billing->Referrals(kAlice)->days_pending, 3);
  Key k = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(k.expires_at, clock.Now() + kBillingMonth + std::chrono::hours(24 * 3));
  EXPECT_EQ(billing->Referrals(kAlice)->days_pending, 0);
}

TEST_F(BillingFlowTest, AnInviteeGetsExtraTrialDays) {
  ASSERT_TRUE(bot->Touch(2001, "carol", "en", "r" + std::to_string(kAlice)).ok());
  OutgoingMessage reply;
  auto invited = bot->StartTrial(2001, nl_, reply);
  ASSERT_TRUE(invited.ok()) << invited.status().ToString();
  auto plain = bot->StartTrial(kBob, nl_, reply);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(invited->key.expires_at - plain->key.expires_at, std::chrono::hours(24 * 5));
}

TEST_F(BillingFlowTest, AFreeSwitchReplacesTheKeyOnceTheNewOneIsActive) {
  Key old = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(billing->SwitchFree(kBob, old.id, de_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(billing->FreeSwitchesLeft(kAlice, old.id).value(), 1);
  auto moved = billing->SwitchFree(kAlice, old.id, de_);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->location.name, "de");
  EXPECT_EQ(moved->key.expires_at, old.expires_at);
  EXPECT_EQ(GetKey(old.id).state, KeyState::kActive);  // until the new one works
  RunPendingTasks();
  EXPECT_EQ(GetKey(moved->key.id).state, KeyState::kActive);
  EXPECT_EQ(GetKey(old.id).state, KeyState::kRevoking);
  RunPendingTasks();
  EXPECT_EQ(GetKey(old.id).state, KeyState::kRevoked);
  // The free one is spent: the next switch of the chain is an order.
  EXPECT_EQ(billing->SwitchFree(kAlice, moved->key.id, nl_).status().code(),
            StatusCode::kFailedPrecondition);
  Order o = MustOrder(Switch(kAlice, moved->key.id, nl_));
  EXPECT_EQ(o.amount, 50);
  auto paid = MustConfirm(Paid(o, "c-switch", kAlice));
  ASSERT_EQ(paid.outcome, Outcome::kCredited) << paid.reason;
  RunPendingTasks();
  EXPECT_EQ(GetKey(moved->key.id).state, KeyState::kRevoking);
  EXPECT_EQ(GetKey(paid.key_id).expires_at, old.expires_at);
}

// The person opened an extension of their key, then the operator drained its server and the key
// moved; the payment lands after: the moved key gets the months, no second key is made.
TEST_F(BillingFlowTest, AnExtensionPaidAfterTheKeyMovedExtendsTheMovedKey) {
  const Key old = BuyKey(kAlice, 1, "c1");
  const Order order = MustOrder(Extension(kAlice, old.id, 1));
  AddServer(10, "nl2.example.com");
  usecases::ServerDrain drain(*store, backends, secrets, clock);
  ASSERT_TRUE(drain.Drain(old.server_id, {}).ok());
  RunPendingTasks();  // the new key is active, the old one revoking
  RunPendingTasks();  // the old one revoked
  ASSERT_EQ(GetKey(old.id).state, KeyState::kRevoked);
  auto r = MustConfirm(Paid(order, "c2", kAlice));
  EXPECT_EQ(r.outcome, usecases::ConfirmResult::Outcome::kCredited) << r.reason;
  RunPendingTasks();
  std::vector<Key> running;
  auto mine = keys->KeysOf(kAlice);
  ASSERT_TRUE(mine.ok());
  for (const Key& k : *mine) {
    if (k.state == KeyState::kActive || k.state == KeyState::kPending) running.push_back(k);
  }
  ASSERT_EQ(running.size(), 1u);
  EXPECT_NE(running[0].id, old.id);
  EXPECT_GT(running[0].expires_at, old.expires_at + std::chrono::hours(24) * 27);
}

TEST_F(BillingFlowTest, AKeyIsSwitchedOnlyOnce) {
  WireBilling({{"FREE_SWITCHES_PER_KEY", "5"}});
  Key old = BuyKey(kAlice, 1, "a1");
  ASSERT_TRUE(billing->SwitchFree(kAlice, old.id, de_).ok());
  EXPECT_EQ(billing->SwitchFree(kAlice, old.id, de_).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 2);
}

TEST_F(BillingFlowTest, ARefundTakesTheBoughtDaysBack) {
  Key k = BuyKey(kAlice, 1, "a1");
  usecases::OrderRequest r = Extension(kAlice, k.id, 3);
  auto ext = MustConfirm(Paid(MustOrder(r), "a2", kAlice));
  auto refunded = billing->Refund(ext.payment_id);
  ASSERT_TRUE(refunded.ok()) << refunded.status().ToString();
  ASSERT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(provider.refunds[0].second, kAlice);
  EXPECT_FALSE(refunded->key_revoked);
  EXPECT_EQ(GetKey(k.id).expires_at, k.expires_at);
  EXPECT_EQ(billing->Refund(ext.payment_id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(provider.refunds.size(), 1u);
  // The first payment: nothing is left, the key is revoked.
  auto first =
      billing->RecordRefund(Count("SELECT id FROM payments WHERE provider_payment_id = "
                                  "'a1'"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->key_revoked);
  EXPECT_EQ(GetKey(k.id).state, KeyState::kRevoking);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'refunded'"), 2);
}

TEST_F(BillingFlowTest, AFailedProviderRefundRecordsNothing) {
  Key k = BuyKey(kAlice, 1, "a1");
  provider.refund_status = Unavailable("provider down");
  const Id payment = Count("SELECT id FROM payments");
  EXPECT_EQ(billing->Refund(payment).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE state = 'credited'"), 1);
  EXPECT_EQ(GetKey(k.id).expires_at, k.expires_at);
}

TEST_F(BillingFlowTest, FiguresCountRevenueAndConversion) {
  OutgoingMessage reply;
  ASSERT_TRUE(bot->StartTrial(kAlice, nl_, reply).ok());
  BuyKey(kAlice, 3, "a1");
  auto f = billing->Figures();
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->today.size(), 1u);
  EXPECT_EQ(f->today[0].amount, 250);
  EXPECT_EQ(f->today[0].provider, "stars");
  EXPECT_EQ(f->paid_orders_today, 1);
  EXPECT_EQ(f->paid_orders_month, 1);
  EXPECT_EQ(f->paid_orders, 1);
  EXPECT_EQ(f->trial_users, 1);
  EXPECT_EQ(f->trial_then_paid, 1);
}

TEST_F(BillingFlowTest, BuyingBeforeTheTrialIsNoConversion) {
  BuyKey(kAlice, 1, "a1");
  clock.Advance(std::chrono::minutes(1));
  OutgoingMessage reply;
  ASSERT_TRUE(bot->StartTrial(kAlice, nl_, reply).ok());
  auto f = billing->Figures();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->trial_users, 1);
  EXPECT_EQ(f->trial_then_paid, 0);
}

TEST_F(BillingFlowTest, TodaysFiguresStartAtMidnightUtc) {
  BuyKey(kAlice, 1, "a1");
  clock.Advance(std::chrono::hours(24));
  auto f = billing->Figures();
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->today.empty());
  EXPECT_EQ(f->paid_orders_today, 0);
  ASSERT_EQ(f->month.size(), 1u);
  EXPECT_EQ(f->paid_orders_month, 1);
}

TEST_F(BillingFlowTest, StaleOrdersExpire) {
  MustOrder(NewKey(kAlice, 1));
  EXPECT_EQ(billing->ExpireOrders().value(), 0);
  clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(billing->ExpireOrders().value(), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE state = 'expired'"), 1);
}

}  // namespace
}  // namespace vpnhub
