#include "bot/callback_data.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace vpnhub::bot {
namespace {

TEST(CallbackDataTest, EveryFormRoundTrips) {
  const CallbackData all[] = {
      Menu(CallbackAction::kMainMenu),
      Menu(CallbackAction::kTrialMenu),
      Menu(CallbackAction::kKeysMenu),
      Menu(CallbackAction::kHelpMenu),
      Menu(CallbackAction::kLanguageMenu),
      Menu(CallbackAction::kAdminMenu),
      WithId(CallbackAction::kTrialLocation, 7),
      WithId(CallbackAction::kShowKey, std::numeric_limits<std::int64_t>::max()),
      Language("en"),
      Language("ru"),
      Menu(CallbackAction::kRecheckFollow),
      Menu(CallbackAction::kAdminRefresh),
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
  EXPECT_EQ(FormatCallbackData(Menu(CallbackAction::kTrialMenu)), "m:trial");
  EXPECT_EQ(FormatCallbackData(Menu(CallbackAction::kAdminMenu)), "m:admin");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kTrialLocation, 12)), "t:12");
  EXPECT_EQ(FormatCallbackData(WithId(CallbackAction::kShowKey, 3)), "k:3");
  EXPECT_EQ(FormatCallbackData(Language("ru")), "l:ru");
  EXPECT_EQ(FormatCallbackData(Menu(CallbackAction::kRecheckFollow)), "f:check");
  EXPECT_EQ(FormatCallbackData(Menu(CallbackAction::kAdminRefresh)), "a:refresh");
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
                          "m::trial"}) {
    EXPECT_FALSE(ParseCallbackData(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_FALSE(ParseCallbackData(std::string("t:1\0", 4)).has_value());
  EXPECT_FALSE(ParseCallbackData("t:" + std::string(63, '1')).has_value());
}

TEST(CallbackDataTest, BadIdsFormatToSomethingNobodyParses) {
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(WithId(CallbackAction::kShowKey, 0))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(WithId(CallbackAction::kShowKey, -4))));
  EXPECT_FALSE(ParseCallbackData(FormatCallbackData(Language("de"))));
}

}  // namespace
}  // namespace vpnhub::bot
