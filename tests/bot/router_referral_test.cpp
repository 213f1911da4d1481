// The referral screen (/invite, /ref, m:invite) and the sales figures of /admin, over the real
// use cases: an invitee's Stars payments show up in the referrer's screen and the admin's summary,
// and nothing of the figures reaches anyone else.
#include <string>

#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"
#include "fakes/fake_payment_provider.hpp"

namespace vpnhub::bot {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class RouterReferralTest : public RouterTest {
 protected:
  void SetUp() override {
    extra_env = {{"MONTH_COST_STARS", "100,250,450,800"},
                 {"REFERRAL_BONUS_DAYS", "3"},
                 {"REFERRAL_INVITEE_DAYS", "5"}};
    providers = {{"stars", &provider}};
    options.bot_username = [this] { return username; };
    RouterTest::SetUp();
    AddServer(10);
    Send(kAlice, "/start");
  }

  // `tg` orders a one-month key through Stars and Telegram confirms the payment `charge`.
  void Pay(TgId tg, const std::string& charge) {
    usecases::OrderRequest r;
    r.tg_id = tg;
    r.kind = OrderKind::kNewKey;
    r.location_id = nl_id;
    r.months = 1;
    r.provider = "stars";
    auto o = billing->CreateOrder(r);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    telegram::Update u = TextUpdate(tg, "");
    telegram::SuccessfulPayment p;
    p.currency = o->currency;
    p.total_amount = o->amount;
    p.invoice_payload = std::to_string(o->id);
    p.telegram_payment_charge_id = charge;
    u.message->successful_payment = p;
    router->Handle(u);
  }

  fakes::FakeProvider provider;
  std::string username = "test_vpn_bot";
};

TEST_F(RouterReferralTest, InviteShowsTheLinkTheTermsAndZeroFigures) {
  Send(kAlice, "/invite");
  const OutgoingMessage m = Last(kAlice);
  EXPECT_TRUE(Contains(m.text, "https://t.me/test_vpn_bot?start=r2001")) << m.text;
  EXPECT_TRUE(Contains(m.text, "5 days more on their free trial")) << m.text;
  EXPECT_TRUE(Contains(m.text, "you get 3 days on your longest-running key")) << m.text;
  EXPECT_TRUE(Contains(m.text, "Invited: <b>0</b>")) << m.text;
  EXPECT_TRUE(Contains(m.text, "Of them paid: <b>0</b>")) << m.text;
  EXPECT_TRUE(Contains(m.text, "Days earned: <b>0</b>")) << m.text;
  EXPECT_TRUE(HasButton(m, "m:main"));
}

TEST_F(RouterReferralTest, TheAliasAndTheMenuButtonOpenTheSameScreen) {
  Send(kAlice, "/invite");
  const std::string screen = Last(kAlice).text;
  Send(kAlice, "/ref");
  EXPECT_EQ(Last(kAlice).text, screen);
  EXPECT_EQ(Tap(kAlice, "m:invite"), "");
  EXPECT_EQ(Last(kAlice).text, screen);
  Send(kAlice, "/start");
  EXPECT_TRUE(HasButton(Last(kAlice), "m:invite"));
}

TEST_F(RouterReferralTest, ALinkFollowedAndTwoPaymentsShowInTheReferrersScreen) {
  Send(kBob, "/start r2001");
  Send(kCarol, "/start r2001");
  Pay(kBob, "charge-1");
  Pay(kBob, "charge-2");
  Pay(kBob, "charge-2");  // a replay counts nothing more
  Send(kAlice, "/invite");
  const std::string text = Last(kAlice).text;
  EXPECT_TRUE(Contains(text, "Invited: <b>2</b>")) << text;
  EXPECT_TRUE(Contains(text, "Of them paid: <b>1</b>")) << text;
  EXPECT_TRUE(Contains(text, "Days earned: <b>6</b>")) << text;
  // Alice had no key: the days wait for her next one.
  EXPECT_TRUE(Contains(text, "(6 of them wait for your next key)")) << text;
}

TEST_F(RouterReferralTest, InRussianWithoutAUsernameTheCodeIsShown) {
  username.clear();
  Send(kBob, "/start", "ru");
  Send(kBob, "/invite", "ru");
  const std::string text = Last(kBob).text;
  EXPECT_TRUE(Contains(text, "Ваш код приглашения: <code>r2002</code>")) << text;
  EXPECT_TRUE(Contains(text, "Приглашено: <b>0</b>")) << text;
  EXPECT_TRUE(Contains(text, "5 дней")) << text;
  EXPECT_FALSE(Contains(text, "https://t.me/")) << text;
}

TEST_F(RouterReferralTest, WithoutBonusesTheTermsAreLeftOut) {
  extra_env["REFERRAL_BONUS_DAYS"] = "0";
  extra_env["REFERRAL_INVITEE_DAYS"] = "0";
  RouterTest::SetUp();
  Send(kAlice, "/invite");
  const std::string text = Last(kAlice).text;
  EXPECT_FALSE(Contains(text, "free trial")) << text;
  EXPECT_FALSE(Contains(text, "longest-running")) << text;
  EXPECT_TRUE(Contains(text, "Invited: <b>0</b>")) << text;
}

TEST_F(RouterReferralTest, WithTrialsOffNoTrialDaysArePromised) {
  settings.trial_period_sec = 0;
  Rebuild();
  Send(kAlice, "/invite");
  const std::string text = Last(kAlice).text;
  EXPECT_FALSE(Contains(text, "free trial")) << text;
  EXPECT_TRUE(Contains(text, "longest-running")) << text;
}

TEST_F(RouterReferralTest, AdminSummaryShowsTheSalesFigures) {
  Send(kAdmin, "/admin");
  std::string text = Last(kAdmin).text;
  EXPECT_TRUE(Contains(text, "💰 <b>Sales</b>")) << text;
  EXPECT_TRUE(Contains(text, "Revenue today (UTC):\n• none")) << text;
  EXPECT_TRUE(Contains(text, "Trial → paid: 0 of 0 (0%)")) << text;

  // Bob takes a trial, then pays twice; Carol pays without a trial.
  Send(kBob, "/start");
  EXPECT_EQ(Tap(kBob, "t:" + std::to_string(nl_id)), "");
  clock.Advance(std::chrono::seconds(1));
  Pay(kBob, "charge-1");
  Pay(kBob, "charge-2");
  Send(kCarol, "/start");
  Pay(kCarol, "charge-3");
  clock.Advance(std::chrono::hours(24));  // a new UTC day: nothing today, all in 30 days
  Pay(kCarol, "charge-4");
  Send(kAdmin, "/admin");
  text = Last(kAdmin).text;
  EXPECT_TRUE(Contains(text, "Revenue today (UTC):\n• stars: 100 XTR (1 payments)")) << text;
  EXPECT_TRUE(Contains(text, "Revenue, last 30 days:\n• stars: 400 XTR (4 payments)")) << text;
  EXPECT_TRUE(Contains(text, "Paid orders: 1 today, 4 in 30 days")) << text;
  EXPECT_TRUE(Contains(text, "Trial → paid: 1 of 1 (100%)")) << text;
}

// Replacing the admin check in the router (Permitted) with `return true` fails this test.
TEST_F(RouterReferralTest, NonAdminsGetNothingOfTheSalesFigures) {
  Send(kBob, "/start");
  Pay(kBob, "charge-1");
  Send(kAlice, "/admin");
  Tap(kAlice, "m:admin");
  Tap(kAlice, "a:refresh");
  Send(kAdmin, "/admin");
  ASSERT_TRUE(Contains(Last(kAdmin).text, "100 XTR"));  // the figures exist
  for (TgId tg : {kAlice, kBob}) {
    for (const OutgoingMessage& m : MessagesTo(tg)) {
      for (const char* marker : {"Sales", "Revenue", "XTR", "Paid orders", "Trial → paid"}) {
        EXPECT_FALSE(Contains(m.text, marker)) << marker << " in " << m.text;
      }
    }
  }
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", i18n::Text::kUnknownCommand));
}

}  // namespace
}  // namespace vpnhub::bot
