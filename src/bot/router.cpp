#include "bot/router.hpp"

#include <cctype>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "bot/callback_data.hpp"
#include "bot/conversation.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::bot {
namespace {

// What the person asked for, whether typed or pressed.
enum class Intent {
  kUnknown,
  kStart,
  kMainMenu,
  kTrialMenu,
  kTrialLocation,
  kKeys,
  kShowKey,
  kHelp,
  kLanguageMenu,
  kToggleLanguage,
  kSetLanguage,
  kAdminSummary,
};

struct Request {
  Intent intent = Intent::kUnknown;
  Id id = 0;
  std::string lang;
};

Request Ask(Intent intent, Id id = 0, std::string lang = "") {
  return {intent, id, std::move(lang)};
}

bool AdminOnly(Intent intent) { return intent == Intent::kAdminSummary; }

struct Command {
  std::string name;  // lower case, without '/' and "@botname"
  std::string args;  // the rest, trimmed
};

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<Command> ParseCommand(std::string_view text) {
  text = Trim(text);
  if (text.size() < 2 || text[0] != '/') return std::nullopt;
  std::size_t end = 1;
  while (end < text.size() && !IsSpace(text[end])) ++end;
  std::string_view name = text.substr(1, end - 1);
  if (auto at = name.find('@'); at != std::string_view::npos) name = name.substr(0, at);
  Command out;
  for (char c : name)
    out.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  out.args = std::string(Trim(text.substr(end)));
  return out;
}

Request FromCommand(const std::string& name) {
  if (name == "start") return Ask(Intent::kStart);
  if (name == "menu") return Ask(Intent::kMainMenu);
  if (name == "trial") return Ask(Intent::kTrialMenu);
  if (name == "keys") return Ask(Intent::kKeys);
  if (name == "help") return Ask(Intent::kHelp);
  if (name == "lang" || name == "language") return Ask(Intent::kToggleLanguage);
  if (name == "admin") return Ask(Intent::kAdminSummary);
  return {};
}

Request FromCallback(const CallbackData& data) {
  switch (data.action) {
    case CallbackAction::kMainMenu:
    case CallbackAction::kRecheckFollow:
      return Ask(Intent::kMainMenu);
    case CallbackAction::kTrialMenu:
      return Ask(Intent::kTrialMenu);
    case CallbackAction::kKeysMenu:
      return Ask(Intent::kKeys);
    case CallbackAction::kHelpMenu:
      return Ask(Intent::kHelp);
    case CallbackAction::kLanguageMenu:
      return Ask(Intent::kLanguageMenu);
    case CallbackAction::kAdminMenu:
    case CallbackAction::kAdminRefresh:
      return Ask(Intent::kAdminSummary);
    case CallbackAction::kTrialLocation:
      return Ask(Intent::kTrialLocation, data.id);
    case CallbackAction::kShowKey:
      return Ask(Intent::kShowKey, data.id);
    case CallbackAction::kSetLanguage:
      return Ask(Intent::kSetLanguage, 0, data.lang);
  }
  return {};
}

// The one place where admin rights are checked: every admin action, typed or pressed, passes
// here. A non-admin gets exactly what any unknown command or meaningless button gets.
Status Dispatch(Conversation& c, Request r) {
  if (AdminOnly(r.intent) && !c.is_admin()) r = Request{};
  switch (r.intent) {
    case Intent::kUnknown:
      return user::ShowUnknown(c);
    case Intent::kStart:
      return user::ShowWelcome(c);
    case Intent::kMainMenu:
      return user::ShowMainMenu(c);
    case Intent::kTrialMenu:
      return user::ShowTrialLocations(c);
    case Intent::kTrialLocation:
      return user::StartTrialAt(c, r.id);
    case Intent::kKeys:
      return user::ShowKeys(c);
    case Intent::kShowKey:
      return user::ShowKeyLink(c, r.id);
    case Intent::kHelp:
      return user::ShowHelp(c);
    case Intent::kLanguageMenu:
      return user::ShowLanguagePicker(c);
    case Intent::kToggleLanguage:
      return user::ToggleLanguage(c);
    case Intent::kSetLanguage:
      return user::SwitchLanguage(c, r.lang);
    case Intent::kAdminSummary:
      return admin::ShowSummary(c);
  }
  return user::ShowUnknown(c);
}

bool IsPrivate(const telegram::Chat& chat) { return chat.type == "private"; }

// The person behind an update the router would act on (a private message or button press by a
// human), or null.
const telegram::TgUser* Person(const telegram::Update& update) {
  if (update.callback_query) {
    const telegram::CallbackQuery& q = *update.callback_query;
    if (q.from.is_bot || (q.message && !IsPrivate(q.message->chat))) return nullptr;
    return &q.from;
  }
  if (update.message) {
    const telegram::Message& m = *update.message;
    if (!m.from || m.from->is_bot || !IsPrivate(m.chat)) return nullptr;
    return &*m.from;
  }
  return nullptr;
}

void Inc(metrics::Counter* counter) {
  if (counter != nullptr) counter->Inc();
}

}  // namespace

Router::Router(usecases::BotService& service, MembershipChecker* membership, RouterOptions options,
               const ports::Clock& clock, metrics::Registry* metrics)
    : service_(service),
      membership_(membership),
      options_(std::move(options)),
      clock_(clock),
      flood_(options_.flood) {
  if (metrics != nullptr) {
    const std::string help = "Telegram updates handled by the bot, by type";
    updates_message_ =
        &metrics->GetCounter("vpnhub_bot_updates_total", help, {{"type", "message"}});
    updates_callback_ =
        &metrics->GetCounter("vpnhub_bot_updates_total", help, {{"type", "callback_query"}});
    updates_other_ = &metrics->GetCounter("vpnhub_bot_updates_total", help, {{"type", "other"}});
    errors_ = &metrics->GetCounter("vpnhub_bot_update_errors_total",
                                   "Telegram updates whose handling failed");
    const std::string dropped = "Telegram updates dropped before handling, by reason";
    dropped_flood_ =
        &metrics->GetCounter("vpnhub_bot_updates_dropped_total", dropped, {{"reason", "flood"}});
    dropped_duplicate_ = &metrics->GetCounter("vpnhub_bot_updates_dropped_total", dropped,
                                              {{"reason", "duplicate"}});
  }
}

bool Router::Admit(const telegram::Update& update) {
  if (const telegram::TgUser* person = Person(update)) {
    switch (flood_.Admit(person->id, clock_.Now())) {
      case FloodGuard::Verdict::kAllow:
        break;
      case FloodGuard::Verdict::kDropWithNotice: {
        // In the language Telegram reports: reading the stored one would cost the database
        // exactly what the guard is there to save.
        OutgoingMessage m;
        m.chat_id = person->id;
        m.kind = MessageKind::kText;
        m.priority = MessagePriority::kReply;
        m.text = i18n::T(
            i18n::LanguageFromTelegram(person->language_code, service_.settings().default_lang),
            i18n::Text::kSlowDown);
        if (!service_.Send(std::move(m)).ok()) Inc(errors_);
        Inc(dropped_flood_);
        return false;
      }
      case FloodGuard::Verdict::kDrop:
        Inc(dropped_flood_);
        return false;
    }
  }
  if (update.update_id <= 0) return true;
  auto first = service_.FirstDelivery(update.update_id);
  if (first.ok() && !*first) {
    Inc(dropped_duplicate_);
    return false;
  }
  // The store could not say: handling it twice beats losing it (the handling will report the
  // store's trouble itself).
  return true;
}

void Router::Handle(const telegram::Update& update) {
  if (!Admit(update)) return;
  std::optional<std::string> callback_id;
  std::string answer;
  Status st;
  try {
    if (update.callback_query) {
      Inc(updates_callback_);
      callback_id = update.callback_query->id;
      st = HandleCallback(*update.callback_query, answer);
    } else if (update.message) {
      Inc(updates_message_);
      st = HandleMessage(*update.message);
    } else {
      Inc(updates_other_);
    }
  } catch (const std::exception& e) {
    st = Internal(std::string("update handler threw: ") + e.what());
  } catch (...) {
    st = Internal("update handler threw");
  }
  if (!st.ok()) Inc(errors_);
  if (callback_id && options_.answer_callback) {
    try {
      options_.answer_callback(*callback_id, std::move(answer));
    } catch (...) {
      // The wiring's job to log; the update must not escape.
      Inc(errors_);
    }
  }
}

Result<User> Router::Register(const telegram::TgUser& from, const std::string& start_payload) {
  const std::string lang =
      i18n::LanguageFromTelegram(from.language_code, service_.settings().default_lang);
  auto touched = service_.Touch(from.id, from.username, lang, start_payload);
  if (!touched.ok()) return touched.status();
  return std::move(touched->user);
}

bool Router::Admitted(TgId tg_id) {
  if (!options_.check_follow || membership_ == nullptr) return true;
  if (service_.IsAdmin(tg_id)) return true;  // the operator need not follow their own channel
  return membership_->IsMember(tg_id);
}

Status Router::HandleMessage(const telegram::Message& message) {
  if (!message.from || !IsPrivate(message.chat) || message.from->is_bot) return Status::Ok();
  const auto command = ParseCommand(message.text);
  const bool is_start = command && command->name == "start";
  auto user = Register(*message.from, is_start ? command->args : "");
  if (!user.ok()) return user.status();
  if (user->banned) return Status::Ok();

  Conversation c(service_, options_, clock_, std::move(*user), /*from_button=*/false);
  Status st = Admitted(c.tg_id()) ? Dispatch(c, command ? FromCommand(command->name) : Request{})
                                  : user::ShowJoinChannel(c);
  if (!st.ok()) (void)c.Say(i18n::T(c.lang(), i18n::Text::kGenericError));
  return st;
}

Status Router::HandleCallback(const telegram::CallbackQuery& query, std::string& answer) {
  if (query.message && !IsPrivate(query.message->chat)) return Status::Ok();
  if (query.from.is_bot) return Status::Ok();
  auto user = Register(query.from, "");
  if (!user.ok()) {
    answer = i18n::T(
        i18n::LanguageFromTelegram(query.from.language_code, service_.settings().default_lang),
        i18n::Text::kGenericError);
    return user.status();
  }
  if (user->banned) return Status::Ok();

  Conversation c(service_, options_, clock_, std::move(*user), /*from_button=*/true);
  const auto data = ParseCallbackData(query.data);
  Status st;
  if (!data) {
    st = c.Outdated();
  } else if (data->action == CallbackAction::kRecheckFollow) {
    // Asks Telegram again instead of trusting the cache: the person says they joined just now.
    if (options_.check_follow && membership_ != nullptr) membership_->Forget(c.tg_id());
    if (Admitted(c.tg_id())) {
      st = user::ShowMainMenu(c);
    } else {
      c.Answer(i18n::FormatPlain(c.lang(), i18n::Text::kStillNotSubscribed,
                                 {{"channel", options_.name_channel}}));
    }
  } else if (!Admitted(c.tg_id())) {
    st = user::ShowJoinChannel(c);
  } else {
    st = Dispatch(c, FromCallback(*data));
  }
  if (!st.ok()) c.Answer(i18n::T(c.lang(), i18n::Text::kGenericError));
  answer = c.answer();
  return st;
}

}  // namespace vpnhub::bot
