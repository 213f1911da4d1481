// The trial flow: /trial or the Trial button, choosing a location, refusals.
#include <algorithm>

#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

class RouterTrialTest : public RouterTest {
 protected:
  std::string LocationButton() { return "t:" + std::to_string(nl_id); }
};

TEST_F(RouterTrialTest, TrialOffersLocationsWithCapacityAsButtons) {
  AddServer(5);
  ASSERT_TRUE(catalog->AddLocation("de").ok());  // no server: not offered
  Send(kAlice, "/trial");
  OutgoingMessage m = Last(kAlice);
  EXPECT_EQ(m.text, i18n::T("en", Text::kChooseLocation));
  ASSERT_FALSE(m.keyboard.empty());
  EXPECT_EQ(m.keyboard[0][0].text, "nl");
  EXPECT_EQ(ButtonData(m), (std::vector<std::string>{LocationButton(), "m:main"}));
}

TEST_F(RouterTrialTest, ChoosingALocationMakesAPendingKeyAndTheReplyInOneGo) {
  AddServer(5);
  Send(kAlice, "/start");
  EXPECT_EQ(Tap(kAlice, "m:trial"), "");
  const std::size_t before = MessagesTo(kAlice).size();

  EXPECT_EQ(Tap(kAlice, LocationButton()), "");

  auto keys_now = KeysOf(kAlice);
  ASSERT_EQ(keys_now.size(), 1u);
  EXPECT_EQ(keys_now[0].state, KeyState::kPending);
  EXPECT_TRUE(keys_now[0].is_trial);
  EXPECT_TRUE(keys_now[0].announce_when_ready);
  EXPECT_EQ(keys_now[0].expires_at, clock.Now() + std::chrono::hours(7 * 24));
  EXPECT_TRUE(FindUser(kAlice)->trial_used);
  auto sent = MessagesTo(kAlice);
  ASSERT_EQ(sent.size(), before + 1);
  EXPECT_EQ(sent.back().kind, MessageKind::kText);
  EXPECT_EQ(sent.back().priority, MessagePriority::kReply);
  EXPECT_EQ(sent.back().text, i18n::Format("en", Text::kTrialPreparing, {{"location", "nl"}}));
  // The link itself is not sent now: the key is not active yet.
  for (const auto& m : sent) EXPECT_NE(m.kind, MessageKind::kKeyReady);
}

TEST_F(RouterTrialTest, SecondTrialIsRefused) {
  AddServer(5);
  EXPECT_EQ(Tap(kAlice, LocationButton()), "");
  Send(kAlice, "/trial");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kTrialAlreadyUsed));
  // An old location button pressed again.
  EXPECT_EQ(Tap(kAlice, LocationButton()), "");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kTrialAlreadyUsed));
  EXPECT_EQ(KeysOf(kAlice).size(), 1u);
}

TEST_F(RouterTrialTest, TrialsOff) {
  settings.trial_period_sec = 0;
  Rebuild();
  AddServer(5);
  Send(kAlice, "/trial", "ru");
  EXPECT_EQ(Last(kAlice).text, i18n::T("ru", Text::kTrialsOff));
  Tap(kAlice, LocationButton());
  EXPECT_EQ(Last(kAlice).text, i18n::T("ru", Text::kTrialsOff));
  EXPECT_TRUE(KeysOf(kAlice).empty());
}

TEST_F(RouterTrialTest, NoCapacityAnywhere) {
  AddServer(1);
  IssueKey(kBob);  // takes the only slot
  Send(kAlice, "/trial");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kNoLocations));
  EXPECT_TRUE(KeysOf(kAlice).empty());
  // The admin hears about it once per cooldown, however many people ask meanwhile.
  Send(kCarol, "/trial");
  std::vector<OutgoingMessage> alerts;
  for (const auto& m : Messages()) {
    if (m.kind == MessageKind::kAdminAlert) alerts.push_back(m);
  }
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].chat_id, kAdmin);
  EXPECT_EQ(alerts[0].priority, MessagePriority::kAlert);
  EXPECT_NE(alerts[0].text.find("No free slots left in nl"), std::string::npos) << alerts[0].text;
}

TEST_F(RouterTrialTest, AButtonForALocationThatFilledUpIsOutOfDate) {
  AddServer(1);
  Send(kAlice, "/trial");
  ASSERT_TRUE(HasButton(Last(kAlice), LocationButton()));
  IssueKey(kBob);
  auto to_alice = [&] {
    const auto all = Messages();
    return std::count_if(all.begin(), all.end(),
                         [](const OutgoingMessage& m) { return m.chat_id == kAlice; });
  };
  const auto before = to_alice();
  EXPECT_EQ(Tap(kAlice, LocationButton()), i18n::T("en", Text::kButtonOutdated));
  EXPECT_TRUE(KeysOf(kAlice).empty());
  EXPECT_FALSE(FindUser(kAlice)->trial_used);
  EXPECT_EQ(to_alice(), before);
}

TEST_F(RouterTrialTest, UnknownOrDisabledLocationIdsAreOutOfDate) {
  AddServer(5);
  EXPECT_EQ(Tap(kAlice, "t:999"), i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(Tap(kAlice, "t:9223372036854775807"), i18n::T("en", Text::kButtonOutdated));
  EXPECT_TRUE(KeysOf(kAlice).empty());
  EXPECT_FALSE(FindUser(kAlice)->trial_used);
}

TEST_F(RouterTrialTest, AnUnhealthyServerIsNotOffered) {
  Server s = AddServer(5);
  ASSERT_TRUE(
      store->Write([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(s.id, false); })
          .ok());
  Send(kAlice, "/trial");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kNoLocations));
  EXPECT_EQ(Tap(kAlice, LocationButton()), i18n::T("en", Text::kButtonOutdated));
  EXPECT_TRUE(KeysOf(kAlice).empty());
}

}  // namespace
}  // namespace vpnhub::bot
