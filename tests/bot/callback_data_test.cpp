#include "bot/callback_data.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "bot/commands.hpp"

namespace vpnhub::bot {
namespace {

TEST(CallbackDataTest, EveryFormRoundTrips) {
  const CallbackData all[] = {
      MenuButton("main"),
      MenuButton("trial"),
      MenuButton("keys"),
      MenuButton("help"),
      MenuButton("lang"),
      MenuButton("admin"),
      WithId(CallbackAction::kTrialLocation, 7),
      WithId(CallbackAction::kShowKey, std::numeric_limits<std::int64_t>::max()),
      Language("en"),
      Language("ru"),
      Action(CallbackAction::kRecheckFollow),
      Action(CallbackAction::kAdminRefresh),
      MenuButton("buy"),
      WithId(CallbackAction::kBuyLocation, 3),
      WithIds(CallbackAction::kBuyTariff, 3, 12),
      WithIds(CallbackAction::kBuyProvider, std::numeric_limits<std::int64_t>::max(), 12, 2),
      WithIds(CallbackAction::kBuyPromo, 3, 12),
      WithId(CallbackAction::kExtendKey, 9),
      WithIds(CallbackAction::kExtendTariff, 9, 3),
      WithIds(CallbackAction::kExtendProvider, 9, 3, 1),
      WithIds(CallbackAction::kExtendPromo, 9, 3),
      WithId(CallbackAction::kSwitchKey, 9),
      WithIds(CallbackAction::kSwitchTo, 9, 4),
      WithIds(CallbackAction::kSwitchProvider, 9, 4, 2),
      WithId(CallbackAction::kPayOrder, 77),
      WithId(CallbackAction::kSubscriptionAsk, 5),
      WithId(CallbackAction::kSubscriptionRotate, 5),
  };
  for (const auto& data : all) {
    const std::string wire = FormatCallbackData(data);
    EXPECT_LE(wire.size(), kMaxCallbackDataBytes);
    auto back = ParseCallbackData(wire);
    ASSERT_TRUE(back.has_value()) << wire;
    EXPECT_EQ(*back, data) << wire;
  }
}

TEST(CallbackDataTest, WireForms) {
  EXPECT_EQ(FormatCallbackData(MenuButton("trial")), "m:trial");
  EXPECT_EQ(FormatCallbackData(MenuButton("admin")), "m:admin");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kTrialLocation, 12)), "t:12");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kShowKey, 3)), "k:3");
  EXPECT_EQ(FormatCallbackData(Language("ru")), "l:ru");
  EXPECT_EQ(FormatCallbackData(Action(CallbackAction::kRecheckFollow)), "f:check");
  EXPECT_EQ(FormatCallbackData(Action(CallbackAction::kAdminRefresh)), "a:refresh");
}

TEST(CallbackDataTest, SubscriptionFormsCarryTheUserIdOnly) {
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kSubscriptionAsk, 5)), "r:5");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kSubscriptionRotate, 5)), "y:5");
  for (const char* bad : {"r:", "r:0", "r:05", "r:5.1", "y:", "y:0", "y:-5", "y:5.", "y:x"}) {
    EXPECT_FALSE(ParseCallbackData(bad).has_value()) << bad;
  }
}

TEST(CallbackDataTest, BuyFormsCarryTheirIdsOnly) {
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kBuyTariff, 3, 6)), "p:3.6");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kBuyProvider, 3, 6, 1)), "v:3.6.1");
  for (const char* bad : {"p:3", "p:3.", "p:.6", "p:3.6.1", "p:3.06", "v:3.6", "v:3.6.1.1",
                          "v:3.6.0", "b:3.6", "p:3..6", "p:-3.6", "v:3.6.x"}) {
    EXPECT_FALSE(ParseCallbackData(bad).has_value()) << bad;
  }
}

TEST(CallbackDataTest, ExtendSwitchAndPromoFormsCarryTheirIdsOnly) {
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kBuyPromo, 3, 6)), "c:3.6");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kExtendKey, 9)), "x:9");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kExtendTariff, 9, 6)), "e:9.6");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kExtendProvider, 9, 6, 1)), "g:9.6.1");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kExtendPromo, 9, 6)), "d:9.6");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kSwitchKey, 9)), "s:9");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kSwitchTo, 9, 4)), "w:9.4");
  EXPECT_EQ(FormatCallbackData(WithIds(CallbackAction::kSwitchProvider, 9, 4, 2)), "u:9.4.2");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kPayOrder, 77)), "o:77");
  for (const char* bad :
       {"c:3",     "c:3.6.1", "c:3.06", "x:",      "x:0",       "x:9.6",  "x:09",     "e:9",
        "e:9.6.1", "e:9.-6",  "g:9.6",  "g:9.6.0", "g:9.6.1.1", "d:9",    "d:9.6.1",  "s:",
        "s:9.4",   "s:x",     "w:9",    "w:9.4.1", "w:9.0",     "u:9.4",  "u:9.4.1.", "u:9.4.1.1",
        "o:",      "o:0",     "o:7.7",  "o:abc",   "z:9",       "e:9.6 ", "w:9. 4"}) {
    EXPECT_FALSE(ParseCallbackData(bad).has_value()) << bad;
  }
  // The longest forms still fit Telegram's 64 bytes.
  const auto max = std::numeric_limits<std::int64_t>::max();
  for (auto action : {CallbackAction::kExtendProvider, CallbackAction::kSwitchProvider}) {
    const std::string wire = FormatCallbackData(WithIds(action, max, max, max));
    EXPECT_LE(wire.size(), kMaxCallbackDataBytes) << wire;
    EXPECT_TRUE(ParseCallbackData(wire).has_value()) << wire;
  }
}

TEST(CallbackDataTest, ParsesStrictly) {
  for (const char* bad : {"",
                          "m",
                          "m:",
                          ":trial",
                          "mtrial",
                          "m:Trial",
                          "m:trial ",
                          " m:trial",
                          "m:trial\n",
                          "t:",
                          "t:0",
                          "t:00",
                          "t:007",
                          "t:-3",
                          "t:+3",
                          "t:3a",
                          "t:3.0",
                          "t: 3",
                          "t:3:4",
                          "t:trial",
                          "k:9223372036854775808",
                          "k:99999999999999999999",
                          "l:",
                          "l:de",
                          "l:EN",
                          "f:",
                          "f:1",
                          "a:",
                          "a:7",
                          "a:refresh!",
                          "q:1",
                          "tt:1",
                          "m::trial",
                          "m:nosuchbutton",
                          "m:start",
                          "m:language"}) {
    EXPECT_FALSE(ParseCallbackData(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_FALSE(ParseCallbackData(std::string("t:1\0", 4)).has_value());
  EXPECT_FALSE(ParseCallbackData("t:" + std::string(63, '1')).has_value());
}

TEST(CallbackDataTest, BadIdsFormatToSomethingNobodyParses) {
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(WithId(CallbackAction::kShowKey, 0))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(WithId(CallbackAction::kShowKey, -4))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(Language("de"))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(MenuButton("nosuchbutton"))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(MenuButton(std::string(80, 'x')))));
  EXPECT_LE(FormatCallbackData(MenuButton(std::string(80, 'x'))).size(), kMaxCallbackDataBytes);
}

TEST(CallbackDataTest, MenuWordsAreTheCommandTablesButtons) {
  // "m:<button>" parses for exactly the buttons of the command table.
  for (const Command& command : Commands()) {
    if (command.button.empty()) continue;
    const std::string wire = "m:" + std::string(command.button);
    auto data = ParseCallbackData(wire);
    ASSERT_TRUE(data.has_value()) << wire;
    EXPECT_EQ(FindButton(data->word), &command) << wire;
  }
}

}  // namespace
}  // namespace vpnhub::bot
