// BillingService: the checks no other test pinned down, each shown to fail when the check is
// replaced by `return true` (docs/security.md, "Selling: every check and its test").
#include "billing_fixture.hpp"

namespace vpnhub {
namespace {

using Outcome = usecases::ConfirmResult::Outcome;

class BillingChecksTest : public BillingTest {
 protected:
  void Revoke(Id key_id) {
    const Key k = GetKey(key_id);
    ASSERT_TRUE(store
                    ->Write([&](ports::StoreTx& tx) {
                      return tx.keys().UpdateKeyState(key_id, k.state, KeyState::kRevoked,
                                                      clock.Now(), "test");
                    })
                    .ok());
  }
};

TEST_F(BillingChecksTest, NoPaidSwitchOrderWhileAFreeSwitchIsLeft) {
  Key k = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(billing->CreateOrder(Switch(kAlice, k.id, de_)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM orders WHERE kind = 'switch'"), 0);
}

TEST_F(BillingChecksTest, APaidSwitchGoesElsewhereAndOnlyForAKeyThatRuns) {
  WireBilling({{"FREE_SWITCHES_PER_KEY", "0"}});
  Key k = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(billing->CreateOrder(Switch(kAlice, k.id, nl_)).status().code(),
            StatusCode::kFailedPrecondition);  // where it is already
  EXPECT_EQ(billing->CreateOrder(Switch(kBob, k.id, de_)).status().code(),
            StatusCode::kNotFound);  // not Bob's
  EXPECT_EQ(MustOrder(Switch(kAlice, k.id, de_)).amount, 50);
  Revoke(k.id);
  EXPECT_EQ(billing->CreateOrder(Switch(kAlice, k.id, de_)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(BillingChecksTest, AFreeSwitchGoesElsewhereAndOnlyForAKeyThatRuns) {
  Key k = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(billing->SwitchFree(kAlice, k.id, nl_).status().code(),
            StatusCode::kFailedPrecondition);
  Revoke(k.id);
  EXPECT_EQ(billing->SwitchFree(kAlice, k.id, de_).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
}

TEST_F(BillingChecksTest, FreeSwitchesAreCountedOnlyForTheOwner) {
  Key k = BuyKey(kAlice, 1, "a1");
  EXPECT_EQ(billing->FreeSwitchesLeft(kAlice, k.id).value(), 1);
  EXPECT_EQ(billing->FreeSwitchesLeft(kBob, k.id).status().code(), StatusCode::kNotFound);
}

TEST_F(BillingChecksTest, APaidSwitchOfAKeyThatEndedMeanwhileIsNotCarriedOut) {
  WireBilling({{"FREE_SWITCHES_PER_KEY", "0"}});
  Key k = BuyKey(kAlice, 1, "a1");
  Order o = MustOrder(Switch(kAlice, k.id, de_));
  Revoke(k.id);
  auto r = MustConfirm(Paid(o, "c-switch", kAlice));
  EXPECT_EQ(r.outcome, Outcome::kNotFulfilled);
  EXPECT_EQ(Count("SELECT count(*) FROM keys"), 1);
}

// An order is checked for the key's owner when it is made; the crediting transaction checks
// again (the key might have changed hands): an extension never lands on another person's key.
TEST_F(BillingChecksTest, AnOrderForAnotherPersonsKeyNeverExtendsIt) {
  Key bobs = BuyKey(kBob, 1, "b1");
  Order o;
  o.user_id = UserId(kAlice);
  o.kind = OrderKind::kExtend;
  o.key_id = bobs.id;
  o.months = 1;
  o.provider = "stars";
  o.currency = "XTR";
  o.amount = 100;
  o.state = OrderState::kCreated;
  o.created_at = o.updated_at = clock.Now();
  o.expires_at = clock.Now() + std::chrono::hours(1);
  ASSERT_TRUE(store
                  ->Write([&](ports::StoreTx& tx) -> Status {
                    VPNHUB_ASSIGN_OR_RETURN(o.id, tx.billing().InsertOrder(o));
                    return Status::Ok();
                  })
                  .ok());
  auto r = MustConfirm(Paid(o, "a-on-bobs", kAlice));
  EXPECT_EQ(r.outcome, Outcome::kNotFulfilled);
  EXPECT_EQ(GetKey(bobs.id).expires_at, bobs.expires_at);
}

// Two refunds of one payment racing past Refund's check: the second bookkeeping is refused and
// takes nothing back twice.
TEST_F(BillingChecksTest, ARefundIsRecordedOnce) {
  Key k = BuyKey(kAlice, 1, "a1");
  auto ext = MustConfirm(Paid(MustOrder(Extension(kAlice, k.id, 3)), "a2", kAlice));
  ASSERT_TRUE(billing->RecordRefund(ext.payment_id).ok());
  EXPECT_EQ(GetKey(k.id).expires_at, k.expires_at);
  EXPECT_EQ(billing->RecordRefund(ext.payment_id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetKey(k.id).expires_at, k.expires_at);
  EXPECT_EQ(GetKey(k.id).state, KeyState::kActive);
}

}  // namespace
}  // namespace vpnhub
