// The command table: every row is something Telegram accepts and the router can reach, and the
// command menus keep admin commands to the admins.
#include "bot/commands.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace vpnhub::bot {
namespace {

bool OnlyOf(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool HasCyrillic(std::string_view s) {
  return s.find('\xD0') != std::string_view::npos || s.find('\xD1') != std::string_view::npos;
}

constexpr std::string_view kCommandChars = "abcdefghijklmnopqrstuvwxyz0123456789_";

TEST(CommandTableTest, NamesAreWhatTelegramAcceptsAndUnique) {
  std::set<std::string_view> names;
  for (const Command& command : Commands()) {
    for (std::string_view name : {command.name, command.alias}) {
      if (name.empty()) continue;
      EXPECT_LE(name.size(), 32u) << name;
      EXPECT_TRUE(OnlyOf(name, kCommandChars)) << name;
      EXPECT_TRUE(names.insert(name).second) << "two commands named " << name;
      EXPECT_EQ(FindCommand(name), &command) << name;
    }
    if (command.name.empty()) {
      EXPECT_TRUE(command.alias.empty());
    } else {
      EXPECT_NE(command.on_command, nullptr) << command.name;
    }
  }
  EXPECT_EQ(FindCommand(""), nullptr);
  EXPECT_EQ(FindCommand("nosuchcommand"), nullptr);
}

TEST(CommandTableTest, ButtonsAndFollowUpsReachAFlow) {
  std::set<std::string_view> buttons;
  std::set<CallbackAction> choices;
  for (const Command& command : Commands()) {
    if (!command.button.empty()) {
      EXPECT_LE(command.button.size(), 16u) << command.button;
      EXPECT_TRUE(OnlyOf(command.button, "abcdefghijklmnopqrstuvwxyz_")) << command.button;
      EXPECT_TRUE(buttons.insert(command.button).second) << "two buttons " << command.button;
      EXPECT_EQ(FindButton(command.button), &command);
      EXPECT_TRUE(command.on_button != nullptr || command.on_command != nullptr) << command.button;
    } else {
      EXPECT_EQ(command.on_button, nullptr) << command.name;
    }
    EXPECT_EQ(command.choice.has_value(), command.on_choice != nullptr) << command.name;
    if (command.choice) {
      EXPECT_NE(*command.choice, CallbackAction::kMenu) << command.name;
      EXPECT_NE(*command.choice, CallbackAction::kRecheckFollow) << "the router's own gate";
      EXPECT_TRUE(choices.insert(*command.choice).second) << command.name;
      EXPECT_EQ(FindChoice(*command.choice), &command);
    }
  }
  EXPECT_EQ(FindButton(""), nullptr);
  EXPECT_EQ(FindChoice(CallbackAction::kMenu), nullptr);
  EXPECT_EQ(FindChoice(CallbackAction::kRecheckFollow), nullptr);
}

TEST(CommandTableTest, TextsArePlainInBothLanguagesWithinTelegramsLimits) {
  for (const Command& command : Commands()) {
    for (const i18n::Phrase& phrase : {command.description, command.label}) {
      const std::string en = i18n::T("en", phrase);
      const std::string ru = i18n::T("ru", phrase);
      if (en.empty()) {
        EXPECT_EQ(std::string(phrase.ru), "") << command.name << ": Russian without English";
        continue;
      }
      EXPECT_TRUE(HasCyrillic(ru)) << command.name << ": " << ru;
      for (const std::string& text : {en, ru}) {
        EXPECT_EQ(text.find_first_of("<&"), std::string::npos) << command.name << ": " << text;
        EXPECT_LE(CodePoints(text), 256u) << command.name;
      }
    }
    const bool has_label = command.label.en[0] != '\0';
    EXPECT_EQ(has_label, command.menu_row >= 0) << command.name;
    if (has_label) {
      EXPECT_FALSE(command.button.empty()) << command.name << ": a label needs a button";
    }
    if (command.description.en[0] != '\0') {
      EXPECT_FALSE(command.name.empty()) << "a described command is typed";
    }
  }
}

TEST(CommandTableTest, TheAdminSummaryIsAdminOnly) {
  ASSERT_NE(FindCommand("admin"), nullptr);
  EXPECT_TRUE(FindCommand("admin")->admin_only);
  EXPECT_EQ(FindButton("admin"), FindCommand("admin"));
  EXPECT_EQ(FindChoice(CallbackAction::kAdminRefresh), FindCommand("admin"));
  for (const char* open :
       {"start", "menu", "trial", "buy", "keys", "invite", "ref", "help", "lang", "language"}) {
    ASSERT_NE(FindCommand(open), nullptr) << open;
    EXPECT_FALSE(FindCommand(open)->admin_only) << open;
  }
}

std::vector<std::string> Names(const CommandMenu& menu) {
  std::vector<std::string> out;
  for (const auto& c : menu.commands) out.push_back(c.command);
  return out;
}

TEST(CommandMenusTest, EveryoneGetsTheOpenCommandsAndAdminsTheirOwnChatMenu) {
  const auto menus = CommandMenus({1000, 1001});
  ASSERT_EQ(menus.size(), 6u);
  const std::vector<std::string> open = {"start", "trial", "buy", "keys", "invite", "help", "lang"};
  std::vector<std::string> with_admin = open;
  with_admin.push_back("admin");

  EXPECT_EQ(menus[0].chat_id, 0);
  EXPECT_EQ(menus[0].language_code, "");
  EXPECT_EQ(menus[1].chat_id, 0);
  EXPECT_EQ(menus[1].language_code, "ru");
  EXPECT_EQ(Names(menus[0]), open);
  EXPECT_EQ(Names(menus[1]), open);
  EXPECT_EQ(menus[0].commands[1].description, "Get a free trial key");
  EXPECT_EQ(menus[1].commands[1].description, "Получить пробный ключ");

  for (std::size_t i = 2; i < menus.size(); ++i) {
    EXPECT_EQ(menus[i].chat_id, i < 4 ? 1000 : 1001) << i;
    EXPECT_EQ(menus[i].language_code, i % 2 == 0 ? "" : "ru") << i;
    EXPECT_EQ(Names(menus[i]), with_admin) << i;
  }
  EXPECT_EQ(menus[3].commands.back().description, "Сводка для администратора");
}

TEST(CommandMenusTest, WithoutAdminsOnlyTheDefaultScope) {
  const auto menus = CommandMenus({});
  ASSERT_EQ(menus.size(), 2u);
  for (const auto& menu : menus) {
    EXPECT_EQ(menu.chat_id, 0);
    for (const auto& c : menu.commands) {
      EXPECT_FALSE(FindCommand(c.command)->admin_only) << c.command;
      EXPECT_FALSE(c.description.empty()) << c.command;
    }
  }
}

}  // namespace
}  // namespace vpnhub::bot
