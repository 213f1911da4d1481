// Welcome, main menu, help, language and the channel gate's message.
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/commands.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot {

using i18n::Text;

Status Conversation::Outdated() {
  if (from_button_) {
    Answer(i18n::T(lang(), Text::kButtonOutdated));
    return Status::Ok();
  }
  return Say(i18n::T(lang(), Text::kUnknownCommand));
}

namespace user {
namespace {

InlineButton Button(std::string text, const CallbackData& data) {
  return InlineButton{std::move(text), FormatCallbackData(data), ""};
}

}  // namespace

InlineKeyboard MainMenuKeyboard(std::string_view lang, bool with_admin) {
  InlineKeyboard kb;
  for (const Command& command : Commands()) {
    if (command.button.empty() || command.label.en[0] == '\0' || command.menu_row < 0) continue;
    if (command.admin_only && !with_admin) continue;
    const auto row = static_cast<std::size_t>(command.menu_row);
    if (kb.size() <= row) kb.resize(row + 1);
    kb[row].push_back(Button(i18n::T(lang, command.label), MenuButton(command.button)));
  }
  std::erase_if(kb, [](const auto& row) { return row.empty(); });
  return kb;
}

InlineKeyboard BackKeyboard(std::string_view lang) {
  return {{Button(i18n::T(lang, Text::kButtonBack), MenuButton("main"))}};
}

InlineKeyboard LocationKeyboard(std::string_view lang,
                                const std::vector<usecases::LocationOption>& options,
                                CallbackAction action) {
  InlineKeyboard kb;
  for (const auto& option : options) {
    kb.push_back({InlineButton{option.location.name,
                               FormatCallbackData(WithId(action, option.location.id)), ""}});
  }
  kb.push_back(BackKeyboard(lang).front());
  return kb;
}

Status ShowWelcome(Conversation& c) {
  return c.Say(i18n::Format(c.lang(), Text::kWelcome, {{"name", c.options().service_name}}),
               MainMenuKeyboard(c.lang(), c.is_admin()));
}

Status ShowMainMenu(Conversation& c) {
  return c.Say(i18n::T(c.lang(), Text::kMainMenu), MainMenuKeyboard(c.lang(), c.is_admin()));
}

Status ShowHelp(Conversation& c) {
  return c.Say(i18n::Format(c.lang(), Text::kHelp, {{"name", c.options().service_name}}),
               BackKeyboard(c.lang()));
}

Status ShowUnknown(Conversation& c) { return c.Outdated(); }

Status ShowLanguagePicker(Conversation& c) {
  InlineKeyboard kb = {{Button(i18n::T("en", Text::kLanguageName), Language("en")),
                        Button(i18n::T("ru", Text::kLanguageName), Language("ru"))}};
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(i18n::T(c.lang(), Text::kChooseLanguage), std::move(kb));
}

Status ToggleLanguage(Conversation& c) { return SwitchLanguage(c, c.lang() == "ru" ? "en" : "ru"); }

Status SwitchLanguage(Conversation& c, const std::string& lang) {
  if (!i18n::IsSupportedLanguage(lang)) return c.Outdated();
  Status st = c.service().SetLanguage(c.tg_id(), lang);
  if (st.code() == StatusCode::kInvalidArgument) return c.Outdated();
  if (!st.ok()) return st;
  c.set_lang(lang);
  return c.Say(i18n::T(lang, Text::kLanguageSwitched), MainMenuKeyboard(lang, c.is_admin()));
}

Status ShowJoinChannel(Conversation& c) {
  const RouterOptions& o = c.options();
  InlineKeyboard kb;
  if (!o.link_channel.empty()) {
    kb.push_back({InlineButton{
        i18n::FormatPlain(c.lang(), Text::kButtonJoinChannel, {{"channel", o.name_channel}}), "",
        o.link_channel}});
  }
  kb.push_back({Button(i18n::T(c.lang(), Text::kButtonRecheckSubscription),
                       Action(CallbackAction::kRecheckFollow))});
  return c.Say(
      i18n::Format(
          c.lang(), Text::kJoinChannel,
          {{"name", o.service_name}, {"channel", o.name_channel}, {"channel_url", o.link_channel}}),
      std::move(kb));
}

}  // namespace user
}  // namespace vpnhub::bot
