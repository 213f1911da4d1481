#include "bot/callback_data.hpp"

#include <charconv>
#include <iterator>

#include "bot/commands.hpp"

namespace vpnhub::bot {
namespace {

// Every action but kMenu and its wire form. Actions with an empty word take `ids` numeric ids
// joined by '.'.
struct Form {
  CallbackAction action;
  char kind;
  const char* word;
  int ids = 1;
};

constexpr char kMenuKind = 'm';

constexpr Form kForms[] = {
    {CallbackAction::kTrialLocation, 't', ""},      {CallbackAction::kShowKey, 'k', ""},
    {CallbackAction::kSetLanguage, 'l', "en"},      {CallbackAction::kSetLanguage, 'l', "ru"},
    {CallbackAction::kRecheckFollow, 'f', "check"}, {CallbackAction::kAdminRefresh, 'a', "refresh"},
    {CallbackAction::kBuyLocation, 'b', ""},        {CallbackAction::kBuyTariff, 'p', "", 2},
    {CallbackAction::kBuyProvider, 'v', "", 3},     {CallbackAction::kBuyPromo, 'c', "", 2},
    {CallbackAction::kExtendKey, 'x', ""},          {CallbackAction::kExtendTariff, 'e', "", 2},
    {CallbackAction::kExtendProvider, 'g', "", 3},  {CallbackAction::kExtendPromo, 'd', "", 2},
    {CallbackAction::kSwitchKey, 's', ""},          {CallbackAction::kSwitchTo, 'w', "", 2},
    {CallbackAction::kSwitchProvider, 'u', "", 3},  {CallbackAction::kPayOrder, 'o', ""},
    {CallbackAction::kSubscriptionAsk, 'r', ""},    {CallbackAction::kSubscriptionRotate, 'y', ""},
};

std::optional<std::int64_t> ParsePositiveId(std::string_view s) {
  if (s.empty() || s.size() > 19 || s[0] < '1' || s[0] > '9') return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<CallbackData> ParseCallbackData(std::string_view data) {
  if (data.size() < 3 || data.size() > kMaxCallbackDataBytes || data[1] != ':') {
    return std::nullopt;
  }
  const char kind = data[0];
  const std::string_view arg = data.substr(2);
  if (kind == kMenuKind) {
    if (FindButton(arg) == nullptr) return std::nullopt;
    return MenuButton(arg);
  }
  for (const Form& form : kForms) {
    if (form.kind != kind) continue;
    if (form.word[0] == '\0') {
      std::int64_t ids[3] = {0, 0, 0};
      std::string_view rest = arg;
      for (int i = 0; i < form.ids; ++i) {
        const std::size_t dot = i + 1 < form.ids ? rest.find('.') : rest.size();
        if (dot == std::string_view::npos) return std::nullopt;
        auto id = ParsePositiveId(rest.substr(0, dot));
        if (!id) return std::nullopt;
        ids[i] = *id;
        rest = dot < rest.size() ? rest.substr(dot + 1) : std::string_view{};
      }
      return CallbackData{form.action, ids[0], "", ids[1], ids[2]};
    }
    if (arg == form.word) {
      CallbackData out{form.action, 0, "", 0, 0};
      if (form.action == CallbackAction::kSetLanguage) out.word = form.word;
      return out;
    }
  }
  return std::nullopt;
}

std::string FormatCallbackData(const CallbackData& data) {
  if (data.action == CallbackAction::kMenu) {
    // "m:?" is a form nobody parses.
    return std::string{kMenuKind, ':'} + (FindButton(data.word) != nullptr ? data.word : "?");
  }
  for (const Form& form : kForms) {
    if (form.action != data.action) continue;
    std::string out{form.kind, ':'};
    if (form.word[0] == '\0') {
      out += std::to_string(data.id);
      if (form.ids >= 2) out += "." + std::to_string(data.id2);
      if (form.ids >= 3) out += "." + std::to_string(data.id3);
      return out;
    }
    if (form.action == CallbackAction::kSetLanguage && data.word != form.word) continue;
    return out + form.word;
  }
  // Only a language other than en/ru gets here: a form nobody parses.
  return "l:?";
}

}  // namespace vpnhub::bot
