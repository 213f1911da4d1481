// BillingService's promo codes for the operator: the rules AddPromo enforces (nothing stored on a
// refusal), a code stored once whatever its case, and DisablePromo ending its use by people.
#include "billing_fixture.hpp"

namespace vpnhub {
namespace {

PromoCode Promo(std::string code, int percent, int days) {
  PromoCode p;
  p.code = std::move(code);
  p.percent = percent;
  p.bonus_days = days;
  return p;
}

class PromoAdminTest : public BillingTest {
 protected:
  std::vector<PromoCode> Stored() {
    auto all = billing->Promos();
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : std::vector<PromoCode>{};
  }
};

TEST_F(PromoAdminTest, AddsANormalizedCodeOnce) {
  auto added = billing->AddPromo(Promo(" spring-26 ", 20, 0));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->code, "SPRING-26");
  EXPECT_GT(added->id, 0);
  EXPECT_TRUE(added->enabled);
  EXPECT_EQ(billing->AddPromo(Promo("Spring-26", 0, 5)).status().code(),
            StatusCode::kAlreadyExists);
  ASSERT_EQ(Stored().size(), 1u);
  EXPECT_EQ(Stored()[0].percent, 20);
  // The person can use it as typed in any case.
  EXPECT_TRUE(billing->CheckPromo(kAlice, "spring-26").ok());
}

TEST_F(PromoAdminTest, RefusesWhatBreaksTheRulesAndStoresNothing) {
  PromoCode ended = Promo("ENDED", 10, 0);
  ended.valid_until = clock.Now();
  PromoCode negative_uses = Promo("USES", 10, 0);
  negative_uses.max_uses = -1;
  PromoCode too_many_uses = Promo("USES", 10, 0);
  too_many_uses.max_uses = usecases::kPromoMaxUses + 1;
  const std::vector<PromoCode> bad = {
      Promo("AB", 10, 0),
      Promo(std::string(33, 'A'), 10, 0),
      Promo("BAD!", 10, 0),
      Promo("КОД", 10, 0),
      Promo("BOTH", 10, 5),
      Promo("NONE", 0, 0),
      Promo("PCT0", -1, 0),
      Promo("PCT101", 101, 0),
      Promo("DAYS", 0, 3651),
      Promo("NEGDAYS", 0, -2),
      ended,
      negative_uses,
      too_many_uses,
  };
  for (const auto& p : bad) {
    EXPECT_EQ(billing->AddPromo(p).status().code(), StatusCode::kInvalidArgument) << p.code;
  }
  EXPECT_TRUE(Stored().empty());
  // The limits themselves are allowed.
  EXPECT_TRUE(billing->AddPromo(Promo("ABC", 100, 0)).ok());
  EXPECT_TRUE(billing->AddPromo(Promo(std::string(32, 'Z'), 0, 3650)).ok());
}

TEST_F(PromoAdminTest, DisabledCodeIsRefusedToPeople) {
  ASSERT_TRUE(billing->AddPromo(Promo("WEEK", 0, 7)).ok());
  ASSERT_TRUE(billing->CheckPromo(kAlice, "WEEK").ok());
  ASSERT_TRUE(billing->DisablePromo("week").ok());
  ASSERT_TRUE(billing->DisablePromo("WEEK").ok());  // idempotent
  EXPECT_EQ(billing->CheckPromo(kAlice, "WEEK").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(billing->DisablePromo("NOPE").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vpnhub
