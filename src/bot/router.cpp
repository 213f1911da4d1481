#include "bot/router.hpp"

#include <cctype>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "bot/callback_data.hpp"
#include "bot/commands.hpp"
#include "bot/conversation.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::bot {
namespace {

struct TypedCommand {
  std::string name;  // lower case, without '/' and "@botname"
  std::string args;  // the rest, trimmed
};

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<TypedCommand> ParseCommand(std::string_view text) {
  text = Trim(text);
  if (text.size() < 2 || text[0] != '/') return std::nullopt;
  std::size_t end = 1;
  while (end < text.size() && !IsSpace(text[end])) ++end;
  std::string_view name = text.substr(1, end - 1);
  if (auto at = name.find('@'); at != std::string_view::npos) name = name.substr(0, at);
  TypedCommand out;
  for (char c : name)
    out.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  out.args = std::string(Trim(text.substr(end)));
  return out;
}

// The one place where admin rights are checked: every command, typed or pressed, and every
// follow-up button passes here. A non-admin gets exactly what any unknown command or meaningless
// button gets.
const Command* Permitted(const Conversation& c, const Command* command) {
  if (command == nullptr || (command->admin_only && !c.is_admin())) return nullptr;
  return command;
}

Status RunTyped(Conversation& c, std::string_view name) {
  const Command* command = Permitted(c, FindCommand(name));
  return command != nullptr ? command->on_command(c) : user::ShowUnknown(c);
}

Status RunPressed(Conversation& c, const CallbackData& data) {
  if (data.action == CallbackAction::kMenu) {
    const Command* command = Permitted(c, FindButton(data.word));
    if (command == nullptr) return user::ShowUnknown(c);
    return (command->on_button != nullptr ? command->on_button : command->on_command)(c);
  }
  const Command* command = Permitted(c, FindChoice(data.action));
  return command != nullptr ? command->on_choice(c, data) : user::ShowUnknown(c);
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
               const ports::Clock& clock, metrics::Registry* metrics,
               usecases::BillingService* billing)
    : service_(service),
      billing_(billing),
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
    updates_pre_checkout_ =
        &metrics->GetCounter("vpnhub_bot_updates_total", help, {{"type", "pre_checkout_query"}});
    updates_other_ = &metrics->GetCounter("vpnhub_bot_updates_total", help, {{"type", "other"}});
    errors_ = &metrics->GetCounter("vpnhub_bot_update_errors_total",
                                   "Telegram updates whose handling failed");
    const std::string dropped = "Telegram updates dropped before handling, by reason";
    dropped_flood_ =
        &metrics->GetCounter("vpnhub_bot_updates_dropped_total", dropped, {{"reason", "flood"}});
    dropped_duplicate_ = &metrics->GetCounter("vpnhub_bot_updates_dropped_total", dropped,
                                              {{"reason", "duplicate"}});
    const std::string paid = "Payment confirmations handled by the bot, by outcome";
    const char* outcomes[] = {"credited", "already_credited", "mismatch", "not_fulfilled"};
    for (std::size_t i = 0; i < payments_.size(); ++i) {
      payments_[i] = &metrics->GetCounter("vpnhub_payments_confirmed_total", paid,
                                          {{"provider", "stars"}, {"outcome", outcomes[i]}});
    }
  }
}

bool Router::Admit(const telegram::Update& update) {
  // Money moved or is about to: never dropped. Answering a query twice is harmless and a payment
  // is credited once by its charge id, whereas a payment marked delivered before the store took
  // it would be lost.
  if (update.pre_checkout_query || (update.message && update.message->successful_payment)) {
    return true;
  }
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
    } else if (update.pre_checkout_query) {
      Inc(updates_pre_checkout_);
      HandlePreCheckout(*update.pre_checkout_query);
    } else if (update.message && update.message->successful_payment) {
      Inc(updates_message_);
      st = HandlePayment(*update.message);
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
  VPNHUB_ASSIGN_OR_RETURN(auto touched,
                          service_.Touch(from.id, from.username, lang, start_payload));
  return std::move(touched.user);
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
  VPNHUB_ASSIGN_OR_RETURN(auto user, Register(*message.from, is_start ? command->args : ""));
  if (user.banned) return Status::Ok();

  const bool awaited = !command && !message.text.empty() && user::AwaitsInput(user, clock_.Now());
  // A command drops what was awaited (the person went elsewhere).
  const bool clear = command && !user.awaiting.empty();
  Conversation c(service_, options_, clock_, std::move(user), /*from_button=*/false, billing_);
  Status st;
  if (!Admitted(c.tg_id())) {
    st = user::ShowJoinChannel(c);
  } else if (awaited) {
    st = user::TakeTypedInput(c, message.text);
  } else {
    if (clear) st = service_.Await(c.tg_id(), "", Time{});
    if (st.ok()) st = RunTyped(c, command ? std::string_view(command->name) : "");
  }
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

  Conversation c(service_, options_, clock_, std::move(*user), /*from_button=*/true, billing_);
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
    // Any button drops what was awaited (the promo button awaits anew).
    if (!c.user().awaiting.empty()) st = service_.Await(c.tg_id(), "", Time{});
    if (st.ok()) st = RunPressed(c, *data);
  }
  if (!st.ok()) c.Answer(i18n::T(c.lang(), i18n::Text::kGenericError));
  answer = c.answer();
  return st;
}

}  // namespace vpnhub::bot
