#pragma once
// The parts of Telegram Bot API objects that VPNHub uses, and their parsers. Parsers take
// untrusted input: they never throw, ignore fields they do not know and fail only when a field
// the object cannot exist without is missing or has the wrong type.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::telegram {

struct TgUser {
  std::int64_t id = 0;
  bool is_bot = false;
  std::string username;  // without '@'; may be empty
  std::string first_name;
  std::string language_code;  // IETF tag such as "en" or "ru"; may be empty
};

struct Chat {
  std::int64_t id = 0;
  std::string type;  // "private", "group", "supergroup" or "channel"
};

// message.successful_payment: Telegram took the money (Stars: the person paid the bot). Amounts
// are integers in the currency's smallest unit (whole Stars for XTR).
struct SuccessfulPayment {
  std::string currency;  // "XTR" for Telegram Stars
  std::int64_t total_amount = 0;
  std::string invoice_payload;             // the bot's sendInvoice payload
  std::string telegram_payment_charge_id;  // what refundStarPayment takes; unique per payment
  std::string provider_payment_charge_id;  // empty for Stars
};

struct Message {
  std::int64_t message_id = 0;
  std::optional<TgUser> from;  // absent for channel posts
  Chat chat;
  std::string text;  // text, or the caption of a media message; empty when neither
  // Set on the service message Telegram sends after a payment; dropped (left empty) when it lacks
  // a field listed above or has one of the wrong type.
  std::optional<SuccessfulPayment> successful_payment;
};

struct CallbackQuery {
  std::string id;  // answer it with BotApi::AnswerCallbackQuery
  TgUser from;
  std::optional<Message> message;  // the message that carried the button, when still reachable
  std::string data;                // the button's callback_data
};

// The person confirmed an invoice; answer with BotApi::AnswerPreCheckoutQuery within 10 s or
// Telegram cancels the payment.
struct PreCheckoutQuery {
  std::string id;
  TgUser from;
  std::string currency;
  std::int64_t total_amount = 0;
  std::string invoice_payload;
};

// One incoming update. Updates of kinds not modelled here (my_chat_member, ...) parse with every
// optional field empty so that the caller can still move its offset past them.
struct Update {
  std::int64_t update_id = 0;
  std::optional<Message> message;
  std::optional<CallbackQuery> callback_query;
  std::optional<PreCheckoutQuery> pre_checkout_query;
};

// The update kinds VPNHub handles: the allowed_updates of getUpdates and setWebhook.
const std::vector<std::string>& HandledUpdateKinds();
// True for an update Telegram waits on: a pre_checkout_query must be answered within 10 s or the
// payment is cancelled, so it is handled apart from (never queued behind) messages and buttons.
bool IsUrgent(const Update& update);

struct ChatMember {
  std::string status;  // "creator", "administrator", "member", "restricted", "left", "kicked"
  // True for creator, administrator and member, and for a restricted user still in the chat.
  bool is_member = false;
};

// Parsers. A nested object that is malformed (say a message without a chat) is dropped rather than
// failing the update, so that one odd update never blocks the ones after it; an update without an
// integer update_id is kInvalidArgument.
Result<TgUser> ParseUser(const nlohmann::json& j);
Result<Message> ParseMessage(const nlohmann::json& j);
Result<CallbackQuery> ParseCallbackQuery(const nlohmann::json& j);
Result<PreCheckoutQuery> ParsePreCheckoutQuery(const nlohmann::json& j);
Result<SuccessfulPayment> ParseSuccessfulPayment(const nlohmann::json& j);
Result<ChatMember> ParseChatMember(const nlohmann::json& j);
Result<Update> ParseUpdate(const nlohmann::json& j);
// As ParseUpdate, from JSON text; text that is not JSON is kInvalidArgument.
Result<Update> ParseUpdateText(std::string_view text);

}  // namespace vpnhub::telegram
