#include "bot/i18n/i18n.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace vpnhub::bot::i18n {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::set<std::string> Placeholders(const std::string& text) {
  static const std::regex kPlaceholder(R"(\{([a-z0-9_]+)\})");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), kPlaceholder), end; it != end; ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

// Tags in the order they appear, e.g. "<b>", "</b>", "<code>".
std::vector<std::string> Tags(const std::string& text) {
  static const std::regex kTag(R"(</?[a-z]+)");
  std::vector<std::string> tags;
  for (std::sregex_iterator it(text.begin(), text.end(), kTag), end; it != end; ++it) {
    tags.push_back(it->str());
  }
  return tags;
}

TEST(Catalog, EveryTextHasEnglishAndRussian) {
  ASSERT_FALSE(AllTexts().empty());
  std::set<std::string> names;
  for (Text id : AllTexts()) {
    const std::string en = T("en", id);
    const std::string ru = T("ru", id);
    EXPECT_FALSE(en.empty()) << TextName(id);
    EXPECT_FALSE(ru.empty()) << TextName(id);
    EXPECT_TRUE(names.insert(std::string(TextName(id))).second) << TextName(id);
    // Russian text contains Cyrillic (UTF-8 lead bytes 0xD0/0xD1) unless it is only symbols.
    if (id != Text::kKeyLineNoTime && id != Text::kAdminServerLine) {
      EXPECT_TRUE(ru.find('\xD0') != std::string::npos || ru.find('\xD1') != std::string::npos)
          << TextName(id) << ": " << ru;
      EXPECT_NE(en, ru) << TextName(id);
    }
  }
}

TEST(Catalog, EnglishAndRussianUseTheSamePlaceholdersAndTags) {
  for (Text id : AllTexts()) {
    EXPECT_EQ(Placeholders(T("en", id)), Placeholders(T("ru", id))) << TextName(id);
    EXPECT_EQ(Tags(T("en", id)), Tags(T("ru", id))) << TextName(id);
  }
}

TEST(Catalog, NamedMessagesCarryTheirPlaceholders) {
  using Names = std::set<std::string>;
  EXPECT_EQ(Placeholders(T("en", Text::kWelcome)), Names({"name"}));
  EXPECT_EQ(Placeholders(T("en", Text::kKeyReady)), Names({"location", "expires", "link_html"}));
  EXPECT_EQ(Placeholders(T("en", Text::kKeyLine)), Names({"id", "location", "state", "left"}));
  EXPECT_EQ(Placeholders(T("en", Text::kAdminServerLine)),
            Names({"name", "location", "health", "used", "capacity"}));
  EXPECT_EQ(Placeholders(T("en", Text::kJoinChannel)), Names({"name", "channel", "channel_url"}));
  EXPECT_EQ(Placeholders(T("en", Text::kAlertsSuppressed)), Names({"count"}));
  EXPECT_THAT(T("en", Text::kKeyReady), HasSubstr("<code>{link_html}</code>"));
}

TEST(Catalog, PlainTextsHaveNoMarkup) {
  for (Text id :
       {Text::kButtonBack, Text::kButtonRecheckSubscription, Text::kButtonJoinChannel,
        Text::kLanguageName, Text::kKeyStatePending, Text::kKeyStateActive, Text::kKeyStateRevoking,
        Text::kKeyStateRevoked, Text::kKeyStateFailed, Text::kAdminHealthy, Text::kAdminUnhealthy,
        Text::kStillNotSubscribed, Text::kButtonOutdated}) {
    for (const char* lang : {"en", "ru"}) {
      EXPECT_THAT(T(lang, id), Not(HasSubstr("<"))) << TextName(id) << " " << lang;
      EXPECT_THAT(T(lang, id), Not(HasSubstr("&"))) << TextName(id) << " " << lang;
    }
  }
  EXPECT_LE(T("ru", Text::kButtonOutdated).size(), 200u);  // answerCallbackQuery limit (bytes)
}

TEST(Catalog, RefusalForNonAdminsReadsExactlyLikeAnUnknownCommand) {
  EXPECT_EQ(T("en", Text::kNotAllowed), T("en", Text::kUnknownCommand));
  EXPECT_EQ(T("ru", Text::kNotAllowed), T("ru", Text::kUnknownCommand));
}

TEST(Catalog, UnknownLanguageFallsBackToEnglish) {
  EXPECT_EQ(T("de", Text::kHelp), T("en", Text::kHelp));
  EXPECT_EQ(T("", Text::kWelcome), T("en", Text::kWelcome));
  EXPECT_EQ(T("RU", Text::kWelcome), T("en", Text::kWelcome));  // catalog codes are lower case
  EXPECT_NE(T("ru", Text::kWelcome), T("en", Text::kWelcome));
  EXPECT_EQ(Format("xx", Text::kLocationFull, {{"location", "NL"}}),
            Format("en", Text::kLocationFull, {{"location", "NL"}}));
  EXPECT_EQ(FormatDuration("xx", 90), "1 minute");
}

TEST(Catalog, SpellsTheLanguageSwitchConfirmation) {
  EXPECT_THAT(T("en", Text::kLanguageSwitched), HasSubstr("Language: English"));
  EXPECT_THAT(T("ru", Text::kLanguageSwitched), HasSubstr("Язык: русский"));
}

TEST(EscapeHtml, EscapesTheFourTelegramEntities) {
  EXPECT_EQ(EscapeHtml(R"(<b>"Tom" & 'Jerry'</b>)"),
            "&lt;b&gt;&quot;Tom&quot; &amp; 'Jerry'&lt;/b&gt;");
  EXPECT_EQ(EscapeHtml("Нидерланды"), "Нидерланды");
  EXPECT_EQ(EscapeHtml(""), "");
}

TEST(Format, EscapesArgumentsButNotHtmlArguments) {
  const std::string out = Format("en", Text::kKeyReady,
                                 {{"location", "<NL & DE>"},
                                  {"expires", "2030-01-01 \"UTC\""},
                                  {"link_html", "ss://YWVz@1.2.3.4:8388#a&amp;b"}});
  EXPECT_THAT(out, HasSubstr("Your key in &lt;NL &amp; DE&gt; is ready"));
  EXPECT_THAT(out, HasSubstr("Valid until 2030-01-01 &quot;UTC&quot;."));
  EXPECT_THAT(out, HasSubstr("<code>ss://YWVz@1.2.3.4:8388#a&amp;b</code>"));
  EXPECT_THAT(out, Not(HasSubstr("{")));
}

TEST(Format, EscapesValuesInsideAttributes) {
  const std::string out = Format(
      "ru", Text::kJoinChannel,
      {{"name", "VPNHub"}, {"channel", "@news"}, {"channel_url", "https://t.me/news\"><b>x"}});
  EXPECT_THAT(out, HasSubstr("<a href=\"https://t.me/news&quot;&gt;&lt;b&gt;x\">@news</a>"));
  EXPECT_THAT(out, HasSubstr("пользоваться VPNHub"));
}

TEST(Format, LeavesMissingPlaceholdersAndLiteralBracesAlone) {
  EXPECT_EQ(Format("en", Text::kAdminUsers, {{"total", "10"}, {"unused", "x"}}),
            "Users: 10 (new today: {today})");
  EXPECT_EQ(Format("en", Text::kAdminUsers, {{"total", "{today}"}, {"today", "3"}}),
            "Users: {today} (new today: 3)");  // values are not expanded again
}

TEST(Format, FillsRussianAdminLines) {
  EXPECT_EQ(Format("ru", Text::kAdminServerLine,
                   {{"name", "ams-1"},
                    {"location", "Нидерланды"},
                    {"health", T("ru", Text::kAdminHealthy)},
                    {"used", "12"},
                    {"capacity", "50"}}),
            "• ams-1 (Нидерланды) — работает, 12/50");
  EXPECT_EQ(Format("ru", Text::kAlertsSuppressed, {{"count", "7"}}),
            "(скрыто похожих оповещений: 7)");
  EXPECT_EQ(Format("en", Text::kAdminTasks, {{"pending", "2"}, {"failed", "1"}}),
            "Tasks: pending 2, failed 1");
}

TEST(FormatPlain, SubstitutesWithoutEscaping) {
  EXPECT_EQ(FormatPlain("en", Text::kButtonJoinChannel, {{"channel", "Tips & Tricks"}}),
            "📢 Join Tips & Tricks");
  EXPECT_EQ(FormatPlain("ru", Text::kButtonJoinChannel, {{"channel", "@news"}}),
            "📢 Подписаться на @news");
}

TEST(LanguageFromTelegram, MapsLanguageTagsToTheCatalog) {
  EXPECT_EQ(LanguageFromTelegram("ru", "en"), "ru");
  EXPECT_EQ(LanguageFromTelegram("ru-RU", "en"), "ru");
  EXPECT_EQ(LanguageFromTelegram("RU_ru", "en"), "ru");
  EXPECT_EQ(LanguageFromTelegram("en", "ru"), "en");
  EXPECT_EQ(LanguageFromTelegram("en-US", "ru"), "en");
  EXPECT_EQ(LanguageFromTelegram("de", "ru"), "ru");
  EXPECT_EQ(LanguageFromTelegram("uk", "en"), "en");
  EXPECT_EQ(LanguageFromTelegram("", "ru"), "ru");
  EXPECT_EQ(LanguageFromTelegram("rus", "en"), "en");  // only the primary subtag counts
  EXPECT_EQ(LanguageFromTelegram("de", "fr"), "en");   // an unsupported fallback gives English
}

TEST(IsSupportedLanguage, KnowsEnglishAndRussianOnly) {
  EXPECT_TRUE(IsSupportedLanguage("en"));
  EXPECT_TRUE(IsSupportedLanguage("ru"));
  EXPECT_FALSE(IsSupportedLanguage("de"));
  EXPECT_FALSE(IsSupportedLanguage("ru-RU"));
  EXPECT_FALSE(IsSupportedLanguage(""));
}

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

TEST(FormatDuration, UsesRussianPluralForms) {
  const std::pair<std::int64_t, const char*> days[] = {
      {1, "1 день"},     {2, "2 дня"},      {4, "4 дня"},      {5, "5 дней"},   {11, "11 дней"},
      {12, "12 дней"},   {14, "14 дней"},   {21, "21 день"},   {22, "22 дня"},  {25, "25 дней"},
      {101, "101 день"}, {111, "111 дней"}, {112, "112 дней"}, {122, "122 дня"}};
  for (const auto& [n, text] : days) EXPECT_EQ(FormatDuration("ru", n * kDay), text) << n;

  const std::pair<std::int64_t, const char*> hours[] = {{1, "1 час"},   {2, "2 часа"},
                                                        {5, "5 часов"}, {11, "11 часов"},
                                                        {21, "21 час"}, {22, "22 часа"}};
  for (const auto& [n, text] : hours) EXPECT_EQ(FormatDuration("ru", n * kHour), text) << n;

  const std::pair<std::int64_t, const char*> minutes[] = {
      {1, "1 минута"},   {2, "2 минуты"},   {5, "5 минут"},   {11, "11 минут"},
      {21, "21 минута"}, {22, "22 минуты"}, {25, "25 минут"}, {59, "59 минут"}};
  for (const auto& [n, text] : minutes) EXPECT_EQ(FormatDuration("ru", n * kMinute), text) << n;

  EXPECT_EQ(FormatDuration("ru", 2 * kDay + 5 * kHour), "2 дня 5 часов");
  EXPECT_EQ(FormatDuration("ru", 21 * kDay + 1 * kHour), "21 день 1 час");
  EXPECT_EQ(FormatDuration("ru", 3 * kHour + 10 * kMinute), "3 часа 10 минут");
  EXPECT_EQ(FormatDuration("ru", 30), "меньше минуты");
}

TEST(FormatDuration, ShowsTheLargestUnitAndTheNextOneInEnglish) {
  EXPECT_EQ(FormatDuration("en", 2 * kDay + 5 * kHour + 59 * kMinute), "2 days 5 hours");
  EXPECT_EQ(FormatDuration("en", 1 * kDay + 1 * kHour), "1 day 1 hour");
  EXPECT_EQ(FormatDuration("en", 2 * kDay + 30 * kMinute), "2 days");
  EXPECT_EQ(FormatDuration("en", 3 * kHour + 10 * kMinute + 59), "3 hours 10 minutes");
  EXPECT_EQ(FormatDuration("en", 1 * kHour), "1 hour");
  EXPECT_EQ(FormatDuration("en", 45 * kMinute), "45 minutes");
  EXPECT_EQ(FormatDuration("en", 61), "1 minute");
  EXPECT_EQ(FormatDuration("en", 59), "less than a minute");
  EXPECT_EQ(FormatDuration("en", 0), "less than a minute");
  EXPECT_EQ(FormatDuration("en", -5 * kDay), "less than a minute");
  EXPECT_EQ(FormatDuration("en", 400 * kDay), "400 days");
}

TEST(KeyStateText, NamesEveryKeyState) {
  EXPECT_EQ(T("en", KeyStateText(KeyState::kPending)), "being set up");
  EXPECT_EQ(T("en", KeyStateText(KeyState::kActive)), "active");
  EXPECT_EQ(T("en", KeyStateText(KeyState::kRevoking)), "ending");
  EXPECT_EQ(T("en", KeyStateText(KeyState::kRevoked)), "ended");
  EXPECT_EQ(T("en", KeyStateText(KeyState::kFailed)), "could not be created");
  EXPECT_EQ(T("ru", KeyStateText(KeyState::kActive)), "активен");
}

}  // namespace
}  // namespace vpnhub::bot::i18n
