#pragma once
// A blocking client for the subset of the Telegram Bot API that VPNHub uses, over libcurl.
//
// Threads: a BotApi is used by one thread at a time (it owns one CURL easy handle, reused across
// calls so that the TLS connection to the API stays open). Give the long poller and each sender
// thread their own BotApi. curl_global_init is the program's job: keep a CurlGlobal alive in
// main() before any thread starts.
//
// Errors: every call returns a Status (or Result) whose code says what to do next, as
// ClassifyReply (telegram/api_reply.hpp) reads the reply; last_error() holds the details. Besides:
//   kUnavailable        network failure or timeout (no reply); retry later
//   kInvalidArgument    a request this class refuses to send (callback_data over 64 bytes, ...)
// The token never appears in a Status message or in last_error().
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "telegram/api_reply.hpp"
#include "telegram/types.hpp"

namespace vpnhub::telegram {

// Calls curl_global_init(CURL_GLOBAL_DEFAULT) on construction and curl_global_cleanup on
// destruction. Create exactly one, in main(), before starting threads.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

struct BotApiOptions {
  std::string base_url = "https://api.telegram.org";  // no trailing slash needed
  std::string token;
  std::chrono::milliseconds timeout{15000};  // whole request; getUpdates uses its own (see there)
  std::chrono::milliseconds connect_timeout{10000};
};

// An inline keyboard button: set exactly one of callback_data (1-64 bytes) and url.
struct InlineButton {
  std::string text{};
  std::string callback_data{};
  std::string url{};
};
using InlineKeyboard = std::vector<std::vector<InlineButton>>;  // rows of buttons

// One entry of the bot's command menu: command 1-32 characters of [a-z0-9_] (without '/'),
// description 1-256 characters.
struct BotCommand {
  std::string command;
  std::string description;
};

struct SendMessageRequest {
  std::int64_t chat_id = 0;
  std::string text{};
  std::string parse_mode = "HTML";  // empty = plain text
  InlineKeyboard keyboard{};        // empty = no reply_markup
  bool disable_preview = true;
};

// sendInvoice with exactly one price line, as Telegram Stars requires. Telegram's limits: title
// 1-32 characters, description 1-255, payload 1-128 bytes (not shown to the person), amount > 0
// in the currency's smallest unit (whole Stars for XTR).
struct SendInvoiceRequest {
  std::int64_t chat_id = 0;
  std::string title{};
  std::string description{};
  std::string payload{};
  std::string currency = "XTR";
  std::string provider_token{};  // empty for Telegram Stars
  std::string label{};           // the one price line
  std::int64_t amount = 0;
};

class BotApi {
 public:
  explicit BotApi(BotApiOptions options);
  ~BotApi();
  BotApi(BotApi&&) noexcept;
  BotApi& operator=(BotApi&&) noexcept;
  BotApi(const BotApi&) = delete;
  BotApi& operator=(const BotApi&) = delete;

  Result<TgUser> GetMe();

  // Long polling. Confirms every update with update_id < offset and returns up to `limit` newer
  // ones, waiting up to timeout_sec for the first to arrive (an empty vector when none did).
  // allowed_updates empty = keep the server's previous setting. The transfer timeout is
  // timeout_sec + 15 s. Entries without an update_id are skipped.
  Result<std::vector<Update>> GetUpdates(std::int64_t offset, int timeout_sec,
                                         const std::vector<std::string>& allowed_updates,
                                         int limit = 100);

  // Returns the new message's message_id.
  Result<std::int64_t> SendMessage(const SendMessageRequest& request);

  // Replaces the text (and keyboard; empty = remove it) of a message the bot sent. Editing to
  // identical content ("message is not modified") is Ok.
  Status EditMessageText(std::int64_t chat_id, std::int64_t message_id, const std::string& text,
                         const InlineKeyboard& keyboard = {},
                         const std::string& parse_mode = "HTML");

  // Stops the button's spinner; text (0-200 chars) shows as a toast, or an alert box.
  Status AnswerCallbackQuery(const std::string& callback_query_id, const std::string& text = "",
                             bool show_alert = false);

  // Uploads png_bytes as the `photo` file part of a multipart/form-data request. Returns the new
  // message's message_id.
  Result<std::int64_t> SendPhoto(std::int64_t chat_id, std::string png_bytes,
                                 const std::string& caption = "",
                                 const InlineKeyboard& keyboard = {},
                                 const std::string& parse_mode = "HTML");

  // Uploads `content` as the `document` file part named `file_name` (a "vpn.conf" the person
  // opens in their VPN app), with an optional caption. Returns the new message's message_id.
  // kInvalidArgument, without sending, for an empty file name or content (Telegram refuses an
  // empty file).
  Result<std::int64_t> SendDocument(std::int64_t chat_id, const std::string& file_name,
                                    const std::string& content, const std::string& caption = "",
                                    const InlineKeyboard& keyboard = {},
                                    const std::string& parse_mode = "HTML");

  Result<ChatMember> GetChatMember(std::int64_t chat_id, std::int64_t user_id);

  // secret_token empty = none; allowed_updates empty = keep the previous setting.
  Status SetWebhook(const std::string& url, const std::string& secret_token,
                    const std::vector<std::string>& allowed_updates);
  Status DeleteWebhook(bool drop_pending_updates);

  // Sets the command menu (up to 100 commands) for a scope and a language. scope_chat_id 0 = the
  // default scope (BotCommandScopeDefault), else that one chat (BotCommandScopeChat); an empty
  // language_code = everyone in the scope without a menu in their own language.
  Status SetMyCommands(const std::vector<BotCommand>& commands, std::int64_t scope_chat_id = 0,
                       const std::string& language_code = "");

  // Sends an invoice message; returns its message_id. kInvalidArgument, without sending, for an
  // empty title, description, payload or label or an amount below 1.
  Result<std::int64_t> SendInvoice(const SendInvoiceRequest& request);

  // Answers a pre_checkout_query (Telegram waits 10 s for it): ok = the bot will deliver, or
  // ok = false with error_message, which Telegram shows to the person. kInvalidArgument, without
  // sending, for ok = false with an empty error_message (Telegram requires one).
  Status AnswerPreCheckoutQuery(const std::string& pre_checkout_query_id, bool ok,
                                const std::string& error_message = "");

  // Gives a Stars payment back to the person who made it. Telegram answers 400 for an unknown
  // or already refunded charge (kInvalidArgument).
  Status RefundStarPayment(std::int64_t user_id, const std::string& telegram_payment_charge_id);

  // Any other method with JSON parameters (sendInvoice, answerPreCheckoutQuery, ...). Returns the
  // reply's "result". Errors as above.
  Result<nlohmann::json> Call(std::string_view method, const nlohmann::json& params);

  const ApiError& last_error() const { return last_error_; }

 private:
  struct Handle;
  struct FileUpload {
    std::string name;
    std::string content_type;
    const std::string& bytes;
  };

  // sendPhoto / sendDocument: chat_id, the file as the multipart part `field`, caption and
  // parse_mode, reply_markup.
  Result<std::int64_t> SendFile(std::string_view method, const char* field, std::int64_t chat_id,
                                const FileUpload& file, const std::string& caption,
                                const InlineKeyboard& keyboard, const std::string& parse_mode);

  Result<nlohmann::json> Perform(std::string_view method, const std::string* json_body, void* mime,
                                 std::chrono::milliseconds timeout);
  Status Fail(std::string_view method, StatusCode code, std::string message);
  std::string Mask(std::string text) const;

  BotApiOptions options_;
  std::unique_ptr<Handle> handle_;
  ApiError last_error_;
};

// Serialises a keyboard as reply_markup ({"inline_keyboard":[[...]]}). kInvalidArgument when a
// button has empty text, has neither or both of callback_data and url, or callback_data is
// longer than 64 bytes.
Result<nlohmann::json> InlineKeyboardMarkup(const InlineKeyboard& keyboard);

}  // namespace vpnhub::telegram
