#pragma once
// Internal to the bot: what a flow handler needs while one update from one person is handled.
// The router builds it after registering the person and checking the gate and the admin right;
// handlers only use it to call BotService and to reply.
#include <string>
#include <utility>

#include "bot/router.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/bot_service.hpp"

namespace vpnhub::bot {

class Conversation {
 public:
  Conversation(usecases::BotService& service, const RouterOptions& options,
               const ports::Clock& clock, User user, bool from_button,
               usecases::BillingService* billing = nullptr)
      : service_(service),
        billing_(billing),
        options_(options),
        clock_(clock),
        user_(std::move(user)),
        from_button_(from_button) {}

  usecases::BotService& service() { return service_; }
  // Null when nothing is sold (no billing wired).
  usecases::BillingService* billing() { return billing_; }
  const RouterOptions& options() const { return options_; }
  Time Now() const { return clock_.Now(); }
  const User& user() const { return user_; }
  TgId tg_id() const { return user_.tg_id; }
  const std::string& lang() const { return user_.lang; }
  void set_lang(std::string lang) { user_.lang = std::move(lang); }
  bool is_admin() const { return service_.IsAdmin(user_.tg_id); }
  // True when a button press (callback query) started this, false for a typed message.
  bool from_button() const { return from_button_; }

  // A text reply (Telegram HTML) to the person, enqueued now.
  Status Say(std::string html, InlineKeyboard keyboard = {}) {
    return service_.Send(Reply(std::move(html), std::move(keyboard)));
  }
  // The reply Say would enqueue, for use cases that enqueue it themselves (StartTrial).
  OutgoingMessage Reply(std::string html, InlineKeyboard keyboard = {}) const {
    OutgoingMessage m;
    m.chat_id = user_.tg_id;
    m.kind = MessageKind::kText;
    m.priority = MessagePriority::kReply;
    m.text = std::move(html);
    m.keyboard = std::move(keyboard);
    return m;
  }

  // The toast for the pressed button (plain text; empty = just stop the spinner).
  void Answer(std::string text) { answer_ = std::move(text); }
  const std::string& answer() const { return answer_; }
  // The one answer to a button that means nothing now (stale, forged, someone else's, malformed):
  // a toast for a button, the "unknown command" hint for a typed message.
  Status Outdated();

 private:
  usecases::BotService& service_;
  usecases::BillingService* billing_;
  const RouterOptions& options_;
  const ports::Clock& clock_;
  User user_;
  bool from_button_;
  std::string answer_;
};

}  // namespace vpnhub::bot
