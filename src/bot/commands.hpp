#pragma once
// Internal to the bot: every command in one table. A row says what a person types (/keys) or
// presses (the main menu's "m:keys"), which flow answers, which follow-up buttons of its replies
// it handles (k:<key id>), its texts for Telegram's command menu and the main menu, and whether
// only admins may use it. From this table the router dispatches (and checks admin_only, in one
// place), the main menu is laid out, callback data accepts its "m:" words, and the command menus
// registered with setMyCommands are made.
//
// Adding a command: its flow in user/ or admin/ (declared in handlers.hpp) and its row in
// commands.cpp. docs/adding-a-bot-command.md walks through it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/i18n/i18n.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "telegram/bot_api.hpp"

namespace vpnhub::bot {

class Conversation;

// A flow: answers one request of the person in `c` (see handlers.hpp).
using Flow = Status (*)(Conversation& c);
// A flow for a follow-up button, with what the button carries (an id, a language).
using ChoiceFlow = Status (*)(Conversation& c, const CallbackData& data);

struct Command {
  // Typed as "/name" (1-32 of [a-z0-9_]; case and "@botname" do not matter); "" = not typed.
  std::string_view name = "";
  std::string_view alias = "";  // another name that runs the same flow; "" = none
  // The main-menu button: pressed as "m:<button>" (1-16 of [a-z_]); "" = none.
  std::string_view button = "";
  // Only the admins (ADMIN_TG_ID) may run it, its button and its follow-ups; for anyone else
  // they are unknown. Checked by the router, nowhere else.
  bool admin_only = false;
  Flow on_command = nullptr;  // for the typed name and alias
  Flow on_button = nullptr;   // for the button; nullptr = on_command
  // The follow-up buttons this command's replies carry (t:<id> for /trial) and their flow.
  std::optional<CallbackAction> choice = std::nullopt;
  ChoiceFlow on_choice = nullptr;
  // Plain texts. The description lists the command in Telegram's command menu (1-256
  // characters; empty = not listed); the label is its main-menu button (empty = none) on row
  // menu_row (0 = top; buttons of one row in table order).
  i18n::Phrase description = {};
  i18n::Phrase label = {};
  int menu_row = -1;
};

// Every command, in the order of the command menu.
std::span<const Command> Commands();

// The command typed as /name or /alias (lower case, without '/'), the one whose button is
// "m:<button>", the one handling follow-ups of `action`; null when there is none.
const Command* FindCommand(std::string_view name);
const Command* FindButton(std::string_view button);
const Command* FindChoice(CallbackAction action);

// One command menu for setMyCommands.
struct CommandMenu {
  std::int64_t chat_id = 0;   // 0 = the default scope; else BotCommandScopeChat of this chat
  std::string language_code;  // "" = everyone without a menu in their language; "ru"
  std::vector<telegram::BotCommand> commands;
};

// The menus to register: the default scope in English ("") and Russian ("ru") with every
// described command that is not admin-only; and for each admin, a chat scope in both languages
// that adds the admin-only ones. Non-admins never see an admin command in their menu.
std::vector<CommandMenu> CommandMenus(const std::vector<TgId>& admins);

}  // namespace vpnhub::bot
