// The command table. Follow-up flows are written inline when they only unpack the button.
#include "bot/commands.hpp"

#include "bot/handlers.hpp"

namespace vpnhub::bot {
namespace {

user::PayChoice NewKey(const CallbackData& d) { return {OrderKind::kNewKey, d.id, d.id2}; }
user::PayChoice Extend(const CallbackData& d) { return {OrderKind::kExtend, d.id, d.id2}; }

constexpr Command kCommands[] = {
    {
        .name = "start",
        .on_command = user::ShowWelcome,
        .description = {"Main menu", "Главное меню"},
    },
    {
        .name = "menu",
        .button = "main",
        .on_command = user::ShowMainMenu,
    },
    {
        .name = "trial",
        .button = "trial",
        .on_command = user::ShowTrialLocations,
        .choice = CallbackAction::kTrialLocation,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::StartTrialAt(c, d.id); },
        .description = {"Get a free trial key", "Получить пробный ключ"},
        .label = {"🎁 Free trial", "🎁 Пробный доступ"},
        .menu_row = 0,
    },
    {
        .name = "buy",
        .button = "buy",
        .on_command = user::ShowBuyLocations,
        .choice = CallbackAction::kBuyLocation,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::ShowBuyTariffs(c, d.id); },
        .description = {"Buy a key", "Купить ключ"},
        .label = {"🛒 Buy", "🛒 Купить"},
        .menu_row = 0,
    },
    {
        // The follow-ups of /buy: a tariff, a provider, a promo code to be typed; an order's
        // invoice after the code.
        .choice = CallbackAction::kBuyTariff,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::ShowPayStep(c, NewKey(d)); },
    },
    {
        .choice = CallbackAction::kBuyProvider,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::PayThrough(c, NewKey(d), d.id3); },
    },
    {
        .choice = CallbackAction::kBuyPromo,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::AskPromo(c, NewKey(d)); },
    },
    {
        .choice = CallbackAction::kPayOrder,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::PayOrder(c, d.id); },
    },
    {
        .name = "keys",
        .button = "keys",
        .on_command = user::ShowKeys,
        .choice = CallbackAction::kShowKey,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::ShowKeyLink(c, d.id); },
        .description = {"Your keys and how long they last", "Ваши ключи и сколько им осталось"},
        .label = {"🔑 My keys", "🔑 Мои ключи"},
        .menu_row = 1,
    },
    {
        .name = "invite",
        .alias = "ref",
        .button = "invite",
        .on_command = user::ShowReferral,
        .description = {"Invite friends and earn days", "Пригласить друзей и получить дни"},
        .label = {"👥 Invite friends", "👥 Пригласить друзей"},
        .menu_row = 1,
    },
    {
        // The follow-ups of a key in /keys: extend (tariff, provider, promo code) and switch.
        .choice = CallbackAction::kExtendKey,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::ShowExtendTariffs(c, d.id); },
    },
    {
        .choice = CallbackAction::kExtendTariff,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::ShowPayStep(c, Extend(d)); },
    },
    {
        .choice = CallbackAction::kExtendProvider,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::PayThrough(c, Extend(d), d.id3); },
    },
    {
        .choice = CallbackAction::kExtendPromo,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::AskPromo(c, Extend(d)); },
    },
    {
        // The subscription link under 🔑 My keys: ask, then rotate.
        .choice = CallbackAction::kSubscriptionAsk,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::AskRotateSubscription(c, d.id); },
    },
    {
        .choice = CallbackAction::kSubscriptionRotate,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::RotateSubscription(c, d.id); },
    },
    {
        .choice = CallbackAction::kSwitchKey,
        .on_choice = +[](Conversation& c,
                         const CallbackData& d) { return user::ShowSwitchLocations(c, d.id); },
    },
    {
        .choice = CallbackAction::kSwitchTo,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::SwitchTo(c, d.id, d.id2); },
    },
    {
        .choice = CallbackAction::kSwitchProvider,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) {
              return user::SwitchThrough(c, d.id, d.id2, d.id3);
            },
    },
    {
        .name = "help",
        .button = "help",
        .on_command = user::ShowHelp,
        .description = {"How to connect", "Как подключиться"},
        .label = {"❓ Help", "❓ Помощь"},
        .menu_row = 2,
    },
    {
        // Typed, it switches between the two languages; the button opens the picker.
        .name = "lang",
        .alias = "language",
        .button = "lang",
        .on_command = user::ToggleLanguage,
        .on_button = user::ShowLanguagePicker,
        .choice = CallbackAction::kSetLanguage,
        .on_choice =
            +[](Conversation& c, const CallbackData& d) { return user::SwitchLanguage(c, d.word); },
        .description = {"Change the language", "Сменить язык"},
        .label = {"🌐 Language", "🌐 Язык"},
        .menu_row = 2,
    },
    {
        .name = "admin",
        .button = "admin",
        .admin_only = true,
        .on_command = admin::ShowSummary,
        .choice = CallbackAction::kAdminRefresh,
        .on_choice = +[](Conversation& c, const CallbackData&) { return admin::ShowSummary(c); },
        .description = {"Summary for the operator", "Сводка для администратора"},
        .label = {"🛠 Admin", "🛠 Админ-панель"},
        .menu_row = 3,
    },
};

bool Described(const Command& command) { return command.description.en[0] != '\0'; }

std::vector<telegram::BotCommand> MenuOf(std::string_view lang, bool admin) {
  std::vector<telegram::BotCommand> out;
  for (const Command& command : kCommands) {
    if (!Described(command) || command.name.empty() || (command.admin_only && !admin)) continue;
    out.push_back({std::string(command.name), i18n::T(lang, command.description)});
  }
  return out;
}

}  // namespace

std::span<const Command> Commands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const Command& command : kCommands) {
    if (command.name == name || command.alias == name) return &command;
  }
  return nullptr;
}

const Command* FindButton(std::string_view button) {
  if (button.empty()) return nullptr;
  for (const Command& command : kCommands) {
    if (command.button == button) return &command;
  }
  return nullptr;
}

const Command* FindChoice(CallbackAction action) {
  for (const Command& command : kCommands) {
    if (command.choice == action && command.on_choice != nullptr) return &command;
  }
  return nullptr;
}

std::vector<CommandMenu> CommandMenus(const std::vector<TgId>& admins) {
  std::vector<CommandMenu> menus;
  for (const char* code : {"", "ru"}) {
    menus.push_back({0, code, MenuOf(*code == '\0' ? "en" : code, /*admin=*/false)});
  }
  for (TgId admin : admins) {
    for (const char* code : {"", "ru"}) {
      menus.push_back({admin, code, MenuOf(*code == '\0' ? "en" : code, /*admin=*/true)});
    }
  }
  return menus;
}

}  // namespace vpnhub::bot
