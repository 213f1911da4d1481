// The person's keys (each usable one with its link, Extend and Switch location buttons), and a
// key's link shown again.
#include <string>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::user {

using i18n::Text;

namespace {

// Telegram takes 4096 characters; keep room for the header.
constexpr std::size_t kMaxListChars = 3500;
constexpr std::size_t kMaxKeyButtons = 20;

constexpr i18n::Phrase kExtend = {"⏳ Extend", "⏳ Продлить"};
constexpr i18n::Phrase kSwitch = {"🔁 Switch location", "🔁 Сменить локацию"};

bool Usable(const Key& key, Time now) {
  return key.state == KeyState::kActive && key.expires_at > now;
}

std::string KeyLine(std::string_view lang, const usecases::KeyView& v, Time now) {
  const Key& k = v.key;
  std::map<std::string, std::string> args = {{"id", std::to_string(k.id)},
                                             {"location", v.location.name}};
  const bool has_time = (k.state == KeyState::kPending || k.state == KeyState::kActive);
  if (has_time && k.expires_at > now) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(k.expires_at - now);
    args["state"] = i18n::T(lang, i18n::KeyStateText(k.state));
    args["left"] = i18n::FormatDuration(lang, left.count());
    return i18n::Format(lang, Text::kKeyLine, args);
  }
  // An active key past its end is about to be switched off by the sweep: say so.
  const KeyState shown = has_time ? KeyState::kRevoking : k.state;
  args["state"] = i18n::T(lang, i18n::KeyStateText(shown));
  return i18n::Format(lang, Text::kKeyLineNoTime, args);
}

}  // namespace

Status ShowKeys(Conversation& c) {
  VPNHUB_ASSIGN_OR_RETURN(auto keys, c.service().KeysOf(c.tg_id()));
  if (keys.empty()) return c.Say(i18n::T(c.lang(), Text::kNoKeys), BackKeyboard(c.lang()));
  const Time now = c.Now();
  std::string text = i18n::T(c.lang(), Text::kMyKeysHeader) + "\n";
  InlineKeyboard kb;
  const bool selling = c.billing() != nullptr && !c.billing()->OfferedProviders().empty();
  std::size_t shown = 0;
  for (const auto& view : keys) {
    std::string line = KeyLine(c.lang(), view, now);
    if (text.size() + line.size() + 1 > kMaxListChars) break;
    text += "\n" + line;
    if (Usable(view.key, now) && shown < kMaxKeyButtons) {
      ++shown;
      const Id id = view.key.id;
      kb.push_back({InlineButton{"🔑 #" + std::to_string(id) + " · " + view.location.name,
                                 FormatCallbackData(WithId(CallbackAction::kShowKey, id)), ""}});
      if (selling) {
        kb.push_back(
            {InlineButton{i18n::T(c.lang(), kExtend),
                          FormatCallbackData(WithId(CallbackAction::kExtendKey, id)), ""},
             InlineButton{i18n::T(c.lang(), kSwitch),
                          FormatCallbackData(WithId(CallbackAction::kSwitchKey, id)), ""}});
      }
    }
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  VPNHUB_RETURN_IF_ERROR(c.Say(std::move(text), std::move(kb)));
  // The subscription link follows as its own message: a QR photo's caption is short.
  return ShowSubscription(c);
}

Result<std::optional<usecases::KeyView>> UsableKey(Conversation& c, Id key_id) {
  // OwnedKey cannot tell "no such key" from "someone else's key", and neither can the person:
  // both get the same answer as any stale button.
  auto view = c.service().OwnedKey(c.tg_id(), key_id);
  if (!view.ok()) {
    if (view.status().code() == StatusCode::kNotFound) return std::optional<usecases::KeyView>();
    return view.status();
  }
  if (!Usable(view->key, c.Now())) return std::optional<usecases::KeyView>();
  return std::optional<usecases::KeyView>(std::move(*view));
}

Status ShowKeyLink(Conversation& c, Id key_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto view, UsableKey(c, key_id));
  if (!view) return c.Outdated();
  OutgoingMessage m;
  m.chat_id = c.tg_id();
  m.kind = MessageKind::kKeyReady;
  m.priority = MessagePriority::kReply;
  m.subject_id = view->key.id;
  return c.service().Send(std::move(m));
}

}  // namespace vpnhub::bot::user
