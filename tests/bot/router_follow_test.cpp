// CHECK_FOLLOW: the channel-membership gate in front of every flow.
#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

class RouterFollowTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    checker = std::make_unique<CachingMembershipChecker>(
        [this](std::int64_t user) -> Result<bool> {
          ++fetches;
          last_fetched = user;
          if (!fetch_status.ok()) return fetch_status;
          return member;
        },
        clock, MembershipCacheOptions{}, &registry);
    membership = checker.get();
    options.check_follow = true;
    options.id_channel = -1001234;
    options.link_channel = "https://t.me/testvpn_news";
    options.name_channel = "TestVPN News";
    Rebuild();
  }

  std::unique_ptr<CachingMembershipChecker> checker;
  bool member = false;
  Status fetch_status;
  int fetches = 0;
  std::int64_t last_fetched = 0;
};

TEST_F(RouterFollowTest, NonMembersAreAskedToJoin) {
  Send(kAlice, "/start promo");
  ASSERT_TRUE(FindUser(kAlice).has_value());  // registered all the same (source kept)
  EXPECT_EQ(FindUser(kAlice)->source, "promo");
  OutgoingMessage m = Last(kAlice);
  EXPECT_EQ(m.text, i18n::Format("en", Text::kJoinChannel,
                                 {{"name", "TestVPN"},
                                  {"channel", "TestVPN News"},
                                  {"channel_url", "https://t.me/testvpn_news"}}));
  ASSERT_EQ(m.keyboard.size(), 2u);
  EXPECT_EQ(m.keyboard[0][0].url, "https://t.me/testvpn_news");
  EXPECT_EQ(m.keyboard[0][0].callback_data, "");
  EXPECT_EQ(ButtonData(m), (std::vector<std::string>{"f:check"}));
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(last_fetched, kAlice);

  // Other flows are gated too, and the answer is cached: no second fetch within the TTL.
  AddServer(5);
  Tap(kAlice, "t:" + std::to_string(nl_id));
  EXPECT_TRUE(KeysOf(kAlice).empty());
  EXPECT_EQ(Last(kAlice).text, m.text);
  EXPECT_EQ(fetches, 1);
}

TEST_F(RouterFollowTest, TheAdminIsNeverGated) {
  Send(kAdmin, "/admin");
  EXPECT_EQ(fetches, 0);
  EXPECT_NE(Last(kAdmin).text.find("Summary"), std::string::npos) << Last(kAdmin).text;
}

TEST_F(RouterFollowTest, RecheckButtonAsksAgain) {
  Send(kAlice, "/start");
  ASSERT_EQ(fetches, 1);
  const std::size_t before = MessagesTo(kAlice).size();

  // Still not a member: a toast, no new message.
  EXPECT_EQ(Tap(kAlice, "f:check"),
            i18n::FormatPlain("en", Text::kStillNotSubscribed, {{"channel", "TestVPN News"}}));
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(MessagesTo(kAlice).size(), before);

  member = true;
  EXPECT_EQ(Tap(kAlice, "f:check"), "");
  EXPECT_EQ(fetches, 3);
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kMainMenu));

  // Members are cached for five minutes.
  Send(kAlice, "/help");
  clock.Advance(std::chrono::minutes(4));
  Send(kAlice, "/keys");
  EXPECT_EQ(fetches, 3);
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kNoKeys));
  clock.Advance(std::chrono::minutes(2));
  Send(kAlice, "/help");
  EXPECT_EQ(fetches, 4);
}

TEST_F(RouterFollowTest, MembersUseTheBotAndEachPersonIsAskedSeparately) {
  member = true;
  Send(kAlice, "/start");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kWelcome, {{"name", "TestVPN"}}));
  Send(kBob, "/start");
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(last_fetched, kBob);
}

TEST_F(RouterFollowTest, FetchErrorsLetThePersonIn) {
  fetch_status = Unavailable("telegram down");
  Send(kAlice, "/start");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kWelcome, {{"name", "TestVPN"}}));
  EXPECT_EQ(CounterValue("vpnhub_bot_membership_errors_total"), 1);
}

TEST_F(RouterFollowTest, GateOffNeverAsks) {
  options.check_follow = false;
  Rebuild();
  Send(kAlice, "/start");
  EXPECT_EQ(Tap(kAlice, "f:check"), "");
  EXPECT_EQ(fetches, 0);
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kMainMenu));
}

}  // namespace
}  // namespace vpnhub::bot
