// Extend and switch location from the key list, and the promo code typed in reply, through the
// router: what each button leads to, and that a forged, stale or someone else's button creates
// nothing.
#include "bot/i18n/i18n.hpp"
#include "bot/router_payments_fixture.hpp"

namespace vpnhub::bot {
namespace {

class RouterKeyOrdersTest : public RouterPaymentsTest {
 protected:
  void SetUp() override {
    RouterPaymentsTest::SetUp();
    if (HasFatalFailure()) return;
    auto de = catalog->AddLocation("de");
    ASSERT_TRUE(de.ok());
    de_id = de->id;
    AddServer(10, "de", "srv-de");
    auto fr = catalog->AddLocation("fr");  // no server: no capacity
    ASSERT_TRUE(fr.ok());
    fr_id = fr->id;
  }

  Key ActiveKey(TgId tg) {
    Key k = IssueKey(tg);
    SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
    return k;
  }
  void AddPromo(const std::string& code, int percent, int days, int max_uses = 0) {
    PromoCode p;
    p.code = code;
    p.percent = percent;
    p.bonus_days = days;
    p.max_uses = max_uses;
    auto r = billing->AddPromo(p);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::string Awaiting(TgId tg) { return FindUser(tg)->awaiting; }
  static std::string Ids(char kind, Id a, std::int64_t b = 0, std::int64_t c = 0) {
    std::string out{kind, ':'};
    out += std::to_string(a);
    if (b != 0) out += "." + std::to_string(b);
    if (c != 0) out += "." + std::to_string(c);
    return out;
  }

  const std::string outdated = i18n::T("en", i18n::Text::kButtonOutdated);
  Id de_id = 0;
  Id fr_id = 0;
};

TEST_F(RouterKeyOrdersTest, KeyListOffersExtendAndSwitchOnUsableKeys) {
  const Key k = ActiveKey(kAlice);
  Send(kAlice, "/keys");
  EXPECT_TRUE(HasButton(Last(kAlice), Ids('x', k.id)));
  EXPECT_TRUE(HasButton(Last(kAlice), Ids('s', k.id)));
  SetKeyState(k.id, KeyState::kActive, KeyState::kRevoked);
  Send(kAlice, "/keys");
  EXPECT_FALSE(HasButton(Last(kAlice), Ids('x', k.id)));
  EXPECT_FALSE(HasButton(Last(kAlice), Ids('s', k.id)));
}

TEST_F(RouterKeyOrdersTest, ExtendWalksTariffThenPayStepThenOneOrder) {
  const Key k = ActiveKey(kAlice);
  EXPECT_EQ(Tap(kAlice, Ids('x', k.id)), "");
  ASSERT_TRUE(HasButton(Last(kAlice), Ids('e', k.id, 3))) << Last(kAlice).text;
  bool priced = false;
  for (const auto& row : Last(kAlice).keyboard)
    for (const auto& b : row)
      if (b.callback_data == Ids('e', k.id, 3)) priced = b.text.find("250") != std::string::npos;
  EXPECT_TRUE(priced) << "the same prices and labels as buying";
  EXPECT_EQ(Tap(kAlice, Ids('e', k.id, 3)), "");
  ASSERT_TRUE(HasButton(Last(kAlice), Ids('g', k.id, 3, 1)));
  EXPECT_TRUE(HasButton(Last(kAlice), Ids('d', k.id, 3)));
  EXPECT_EQ(Tap(kAlice, Ids('g', k.id, 3, 1)), "");
  EXPECT_EQ(Tap(kAlice, Ids('g', k.id, 3, 1)), "");  // a second tap: the same order
  ASSERT_EQ(Orders().size(), 1u);
  const auto invoiced = Invoiced();
  ASSERT_EQ(invoiced.size(), 2u);
  EXPECT_EQ(invoiced[0].id, invoiced[1].id);
  EXPECT_EQ(invoiced[0].kind, OrderKind::kExtend);
  EXPECT_EQ(invoiced[0].key_id, k.id);
  EXPECT_EQ(invoiced[0].months, 3);
  EXPECT_EQ(invoiced[0].amount, 250);
}

TEST_F(RouterKeyOrdersTest, ExtendButtonsForSomeoneElsesRevokedOrUnknownKeyCreateNothing) {
  const Key bobs = ActiveKey(kBob);
  const Key revoked = ActiveKey(kAlice);
  SetKeyState(revoked.id, KeyState::kActive, KeyState::kRevoked);
  const Key own = ActiveKey(kAlice);
  for (Id id : {bobs.id, revoked.id, own.id + 100}) {
    EXPECT_EQ(Tap(kAlice, Ids('x', id)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('e', id, 1)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('g', id, 1, 1)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('d', id, 1)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('s', id)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('w', id, de_id)), outdated) << id;
    EXPECT_EQ(Tap(kAlice, Ids('u', id, de_id, 1)), outdated) << id;
  }
  // Forged months and provider numbers on her own key.
  EXPECT_EQ(Tap(kAlice, Ids('e', own.id, 2)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('g', own.id, 2, 1)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('d', own.id, 2)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('g', own.id, 1, 2)), outdated);
  EXPECT_TRUE(Orders().empty());
  EXPECT_TRUE(Invoiced().empty());
  EXPECT_EQ(Awaiting(kAlice), "");
  EXPECT_EQ(KeysOf(kAlice).size(), 2u);
}

TEST_F(RouterKeyOrdersTest, FreeSwitchOnceThenPaidAtTheSwitchPrice) {
  const Key k = ActiveKey(kAlice);
  EXPECT_EQ(Tap(kAlice, Ids('s', k.id)), "");
  const OutgoingMessage screen = Last(kAlice);
  EXPECT_NE(screen.text.find("Free switches left: 1"), std::string::npos) << screen.text;
  EXPECT_TRUE(HasButton(screen, Ids('w', k.id, de_id)));
  EXPECT_FALSE(HasButton(screen, Ids('w', k.id, nl_id)));  // its own location
  EXPECT_FALSE(HasButton(screen, Ids('w', k.id, fr_id)));  // no capacity
  EXPECT_EQ(Tap(kAlice, Ids('w', k.id, de_id)), "");
  EXPECT_EQ(Tap(kAlice, Ids('w', k.id, de_id)), outdated);  // a second tap: no second key
  auto keys_now = KeysOf(kAlice);
  ASSERT_EQ(keys_now.size(), 2u);
  EXPECT_TRUE(Invoiced().empty());
  Key moved = keys_now[0].id == k.id ? keys_now[1] : keys_now[0];
  EXPECT_EQ(moved.expires_at, k.expires_at);
  SetKeyState(moved.id, KeyState::kPending, KeyState::kActive);
  // The moved key has no free switch left: the switch is an order at PRICE_SWITCH_LOCATION_STARS.
  EXPECT_EQ(Tap(kAlice, Ids('s', moved.id)), "");
  EXPECT_NE(Last(kAlice).text.find("Free switches left: 0"), std::string::npos);
  EXPECT_NE(Last(kAlice).text.find("50"), std::string::npos);
  EXPECT_EQ(Tap(kAlice, Ids('w', moved.id, nl_id)), "");
  EXPECT_EQ(Tap(kAlice, Ids('w', moved.id, nl_id)), "");
  ASSERT_EQ(Orders().size(), 1u);
  const auto invoiced = Invoiced();
  ASSERT_EQ(invoiced.size(), 2u);
  EXPECT_EQ(invoiced[0].id, invoiced[1].id);
  EXPECT_EQ(invoiced[0].kind, OrderKind::kSwitch);
  EXPECT_EQ(invoiced[0].key_id, moved.id);
  EXPECT_EQ(invoiced[0].location_id, nl_id);
  EXPECT_EQ(invoiced[0].amount, 50);
  EXPECT_EQ(KeysOf(kAlice).size(), 2u);
}

TEST_F(RouterKeyOrdersTest, SwitchToAFullOwnOrUnknownLocationCreatesNothing) {
  const Key k = ActiveKey(kAlice);
  EXPECT_EQ(Tap(kAlice, Ids('w', k.id, fr_id)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('w', k.id, nl_id)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('w', k.id, de_id + 100)), outdated);
  EXPECT_EQ(Tap(kAlice, Ids('u', k.id, fr_id, 1)), outdated);
  // A paid switch while the free one is left: refused (the free one is the way).
  EXPECT_EQ(Tap(kAlice, Ids('u', k.id, de_id, 1)), outdated);
  EXPECT_EQ(KeysOf(kAlice).size(), 1u);
  EXPECT_TRUE(Orders().empty());
  EXPECT_TRUE(Invoiced().empty());
}

TEST_F(RouterKeyOrdersTest, TypedPromoCodeLowersTheInvoice) {
  AddPromo("SPRING", 20, 0);
  const std::string choice = Ids('p', nl_id, 3);
  EXPECT_EQ(Tap(kAlice, choice), "");
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 3)), "");
  EXPECT_EQ(Awaiting(kAlice), choice);
  EXPECT_TRUE(HasButton(Last(kAlice), Ids('v', nl_id, 3, 1)));  // go on without a code
  Send(kAlice, "WINTER");
  EXPECT_NE(Last(kAlice).text.find("no such promo code"), std::string::npos) << Last(kAlice).text;
  EXPECT_TRUE(HasButton(Last(kAlice), Ids('v', nl_id, 3, 1)));
  EXPECT_EQ(Awaiting(kAlice), choice);  // still awaited: another try
  EXPECT_TRUE(Invoiced().empty());
  Send(kAlice, "  spring ");
  const auto invoiced = Invoiced();
  ASSERT_EQ(invoiced.size(), 1u);
  EXPECT_EQ(invoiced[0].amount, 200);
  EXPECT_EQ(invoiced[0].promo_code, "SPRING");
  EXPECT_EQ(invoiced[0].months, 3);
  EXPECT_EQ(Awaiting(kAlice), "");
  // Not awaited any more: the same text is an unknown command, as any text.
  Send(kAlice, "spring");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", i18n::Text::kUnknownCommand));
  EXPECT_EQ(Invoiced().size(), 1u);
}

TEST_F(RouterKeyOrdersTest, TypedPromoDaysOnAnExtension) {
  AddPromo("BONUS", 0, 7);
  const Key k = ActiveKey(kAlice);
  EXPECT_EQ(Tap(kAlice, Ids('d', k.id, 1)), "");
  Send(kAlice, "bonus");
  const auto invoiced = Invoiced();
  ASSERT_EQ(invoiced.size(), 1u);
  EXPECT_EQ(invoiced[0].kind, OrderKind::kExtend);
  EXPECT_EQ(invoiced[0].key_id, k.id);
  EXPECT_EQ(invoiced[0].amount, 100);
  EXPECT_EQ(invoiced[0].bonus_days, 7);
}

TEST_F(RouterKeyOrdersTest, UsedUpPromoIsSaidSoAndSellsNothing) {
  AddPromo("ONCE", 50, 0, 1);
  const Id bob = FindUser(kBob)->id;
  Status used = store->Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto p, tx.billing().FindPromo("ONCE"));
    return tx.billing().UsePromo(p->id, bob, 999, clock.Now());
  });
  ASSERT_TRUE(used.ok()) << used.ToString();
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 1)), "");
  Send(kAlice, "once");
  EXPECT_NE(Last(kAlice).text.find("cannot be used"), std::string::npos) << Last(kAlice).text;
  EXPECT_TRUE(Invoiced().empty());
  EXPECT_TRUE(Orders().empty());
}

TEST_F(RouterKeyOrdersTest, AwaitedCodeSurvivesARestartAndIsTakenByAnotherInstance) {
  AddPromo("SPRING", 20, 0);
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 3)), "");
  Rebuild();  // a new BotService and Router over the same database
  Send(kAlice, "SPRING");
  ASSERT_EQ(Invoiced().size(), 1u);
  EXPECT_EQ(Invoiced()[0].amount, 200);
}

TEST_F(RouterKeyOrdersTest, ACommandAButtonOrTimeEndsTheWait) {
  AddPromo("SPRING", 20, 0);
  const std::string unknown = i18n::T("en", i18n::Text::kUnknownCommand);
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 3)), "");
  Send(kAlice, "/keys");
  EXPECT_EQ(Awaiting(kAlice), "");
  Send(kAlice, "SPRING");
  EXPECT_EQ(Last(kAlice).text, unknown);
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 3)), "");
  EXPECT_EQ(Tap(kAlice, "m:main"), "");
  EXPECT_EQ(Awaiting(kAlice), "");
  Send(kAlice, "SPRING");
  EXPECT_EQ(Last(kAlice).text, unknown);
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 3)), "");
  clock.Advance(billing->config().order_ttl + std::chrono::seconds(1));
  Send(kAlice, "SPRING");
  EXPECT_EQ(Last(kAlice).text, unknown);
  EXPECT_TRUE(Invoiced().empty());
}

TEST_F(RouterKeyOrdersTest, PromoButtonsForAForgedChoiceAwaitNothing) {
  EXPECT_EQ(Tap(kAlice, Ids('c', fr_id, 1)), outdated);        // no capacity
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id, 2)), outdated);        // no such tariff
  EXPECT_EQ(Tap(kAlice, Ids('c', nl_id + 100, 1)), outdated);  // no such location
  EXPECT_EQ(Awaiting(kAlice), "");
}

TEST_F(RouterKeyOrdersTest, AnotherPersonsOrderButtonSendsNoInvoice) {
  const Order bobs = [&] {
    usecases::OrderRequest r;
    r.tg_id = kBob;
    r.location_id = nl_id;
    r.months = 1;
    r.provider = "stars";
    return *billing->CreateOrder(r);
  }();
  EXPECT_EQ(Tap(kAlice, Ids('o', bobs.id)), outdated);
  EXPECT_TRUE(Invoiced().empty());
  EXPECT_EQ(Tap(kBob, Ids('o', bobs.id)), "");
  EXPECT_EQ(Invoiced().size(), 1u);
}

}  // namespace
}  // namespace vpnhub::bot
