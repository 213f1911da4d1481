#include "telegram/bot_api.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

namespace vpnhub::telegram {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxResponseBytes = 64u << 20;
constexpr std::size_t kMaxCallbackDataBytes = 64;
constexpr std::chrono::seconds kLongPollGrace{15};

std::size_t AppendToString(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (out->size() + n > kMaxResponseBytes) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  out->append(data, n);
  return n;
}

// Invalid UTF-8 from our own strings must not throw out of dump(); it becomes U+FFFD.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void ReplaceAll(std::string& text, const std::string& from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

json LinkPreviewOff() { return json{{"is_disabled", true}}; }

std::optional<std::int64_t> MessageIdOf(const json& result) {
  if (!result.is_object()) return std::nullopt;
  const auto it = result.find("message_id");
  if (it == result.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

CurlGlobal::CurlGlobal() : ok_(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {}

CurlGlobal::~CurlGlobal() {
  if (ok_) curl_global_cleanup();
}

struct BotApi::Handle {
  Handle() : curl(curl_easy_init()) {}
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  CURL* curl;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string response;
};

Result<json> InlineKeyboardMarkup(const InlineKeyboard& keyboard) {
  json rows = json::array();
  for (const auto& row : keyboard) {
    json buttons = json::array();
    for (const auto& b : row) {
      if (b.text.empty()) return InvalidArgument("inline button without text");
      if (b.callback_data.empty() == b.url.empty()) {
        return InvalidArgument("inline button '" + b.text +
                               "' needs exactly one of callback_data and url");
      }
      if (b.callback_data.size() > kMaxCallbackDataBytes) {
        return InvalidArgument("callback_data of button '" + b.text + "' is longer than 64 bytes");
      }
      json button{{"text", b.text}};
      if (!b.callback_data.empty()) {
        button["callback_data"] = b.callback_data;
      } else {
        button["url"] = b.url;
      }
      buttons.push_back(std::move(button));
    }
    rows.push_back(std::move(buttons));
  }
  return json{{"inline_keyboard", std::move(rows)}};
}

BotApi::BotApi(BotApiOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
}

BotApi::~BotApi() = default;
BotApi::BotApi(BotApi&&) noexcept = default;
BotApi& BotApi::operator=(BotApi&&) noexcept = default;

std::string BotApi::Mask(std::string text) const {
  ReplaceAll(text, options_.token, "<token>");
  std::string encoded = options_.token;
  ReplaceAll(encoded, ":", "%3A");
  if (encoded != options_.token) ReplaceAll(text, encoded, "<token>");
  return text;
}

Status BotApi::Fail(std::string_view method, StatusCode code, std::string message) {
  last_error_.description = Mask(std::move(last_error_.description));
  return Status(code, Mask("telegram " + std::string(method) + ": " + message));
}

Result<json> BotApi::Perform(std::string_view method, const std::string* json_body, void* mime,
                             std::chrono::milliseconds timeout) {
  last_error_ = ApiError{};
  if (handle_ == nullptr || handle_->curl == nullptr) {
    return Internal("telegram " + std::string(method) + ": no curl handle");
  }
  CURL* curl = handle_->curl;
  // Reset keeps the live connections (and TLS sessions) of the handle; only options go.
  curl_easy_reset(curl);
  handle_->response.clear();
  handle_->error_buffer[0] = '\0';

  const std::string url = options_.base_url + "/bot" + options_.token + "/" + std::string(method);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  // No "Expect: 100-continue" round trip before bodies over 1 KB (photos).
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  if (json_body != nullptr) {
    headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "vpnhub-telegram/1");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, handle_->error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &handle_->response);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (json_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, static_cast<curl_mime*>(mime));
  }

  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    std::string what = handle_->error_buffer[0] != '\0' ? std::string(handle_->error_buffer)
                                                        : std::string(curl_easy_strerror(rc));
    last_error_.description = what;
    return Fail(method, StatusCode::kUnavailable, "network error: " + what);
  }
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  ClassifiedReply reply = ClassifyReply(static_cast<int>(http_status), handle_->response);
  last_error_ = std::move(reply.error);
  if (reply.code == StatusCode::kOk) return std::move(reply.result);
  return Fail(method, reply.code, std::move(reply.message));
}

Result<json> BotApi::Call(std::string_view method, const json& params) {
  const std::string body = Dump(params.is_null() ? json::object() : params);
  return Perform(method, &body, nullptr, options_.timeout);
}

Result<TgUser> BotApi::GetMe() {
  VPNHUB_ASSIGN_OR_RETURN(auto r, Call("getMe", json::object()));
  auto user = ParseUser(r);
  if (!user.ok()) return Internal("telegram getMe: " + user.status().message());
  return user;
}

Result<std::vector<Update>> BotApi::GetUpdates(std::int64_t offset, int timeout_sec,
                                               const std::vector<std::string>& allowed_updates,
                                               int limit) {
  timeout_sec = std::max(0, timeout_sec);
  json params{{"offset", offset}, {"timeout", timeout_sec}, {"limit", std::clamp(limit, 1, 100)}};
  if (!allowed_updates.empty()) params["allowed_updates"] = allowed_updates;
  const std::string body = Dump(params);
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(timeout_sec) + kLongPollGrace);
  VPNHUB_ASSIGN_OR_RETURN(auto r, Perform("getUpdates", &body, nullptr, timeout));
  if (!r.is_array()) return Internal("telegram getUpdates: result is not an array");
  std::vector<Update> updates;
  updates.reserve(r.size());
  for (const json& item : r) {
    auto u = ParseUpdate(item);
    if (u.ok()) updates.push_back(std::move(u).value());
  }
  return updates;
}

Result<std::int64_t> BotApi::SendMessage(const SendMessageRequest& request) {
  last_error_ = ApiError{};  // also for a request refused before sending
  json params{{"chat_id", request.chat_id}, {"text", request.text}};
  if (!request.parse_mode.empty()) params["parse_mode"] = request.parse_mode;
  if (request.disable_preview) params["link_preview_options"] = LinkPreviewOff();
  if (!request.keyboard.empty()) {
    auto markup = InlineKeyboardMarkup(request.keyboard);
    if (!markup.ok())
      return Status(markup.status().code(), "telegram sendMessage: " + markup.status().message());
    params["reply_markup"] = std::move(markup).value();
  }
  VPNHUB_ASSIGN_OR_RETURN(auto r, Call("sendMessage", params));
  const auto id = MessageIdOf(r);
  if (!id) return Internal("telegram sendMessage: reply without message_id");
  return *id;
}

Status BotApi::EditMessageText(std::int64_t chat_id, std::int64_t message_id,
                               const std::string& text, const InlineKeyboard& keyboard,
                               const std::string& parse_mode) {
  last_error_ = ApiError{};  // also for a request refused before sending
  json params{{"chat_id", chat_id},
              {"message_id", message_id},
              {"text", text},
              {"link_preview_options", LinkPreviewOff()}};
  if (!parse_mode.empty()) params["parse_mode"] = parse_mode;
  if (!keyboard.empty()) {
    auto markup = InlineKeyboardMarkup(keyboard);
    if (!markup.ok()) {
      return Status(markup.status().code(),
                    "telegram editMessageText: " + markup.status().message());
    }
    params["reply_markup"] = std::move(markup).value();
  }
  auto r = Call("editMessageText", params);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kInvalidArgument &&
        DescriptionSays(last_error_, "message is not modified")) {
      last_error_ = ApiError{};
      return Status::Ok();
    }
    return r.status();
  }
  return Status::Ok();
}

Status BotApi::AnswerCallbackQuery(const std::string& callback_query_id, const std::string& text,
                                   bool show_alert) {
  json params{{"callback_query_id", callback_query_id}};
  if (!text.empty()) params["text"] = text;
  if (show_alert) params["show_alert"] = true;
  return Call("answerCallbackQuery", params).status();
}

Result<std::int64_t> BotApi::SendPhoto(std::int64_t chat_id, std::string png_bytes,
                                       const std::string& caption, const InlineKeyboard& keyboard,
                                       const std::string& parse_mode) {
  return SendFile("sendPhoto", "photo", chat_id, FileUpload{"qr.png", "image/png", png_bytes},
                  caption, keyboard, parse_mode);
}

Result<std::int64_t> BotApi::SendDocument(std::int64_t chat_id, const std::string& file_name,
                                          const std::string& content, const std::string& caption,
                                          const InlineKeyboard& keyboard,
                                          const std::string& parse_mode) {
  if (file_name.empty() || content.empty()) {
    last_error_ = ApiError{};
    return InvalidArgument("telegram sendDocument: the file name and the content must be set");
  }
  return SendFile("sendDocument", "document", chat_id,
                  FileUpload{file_name, "application/octet-stream", content}, caption, keyboard,
                  parse_mode);
}

Result<std::int64_t> BotApi::SendFile(std::string_view method, const char* field,
                                      std::int64_t chat_id, const FileUpload& file,
                                      const std::string& caption, const InlineKeyboard& keyboard,
                                      const std::string& parse_mode) {
  last_error_ = ApiError{};  // also for a request refused before sending
  const std::string what = "telegram " + std::string(method);
  std::string markup_text;
  if (!keyboard.empty()) {
    auto markup = InlineKeyboardMarkup(keyboard);
    if (!markup.ok()) {
      return Status(markup.status().code(), what + ": " + markup.status().message());
    }
    markup_text = Dump(*markup);
  }
  if (handle_ == nullptr || handle_->curl == nullptr) return Internal(what + ": no curl handle");
  std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(handle_->curl));
  if (mime == nullptr) return Internal(what + ": curl_mime_init failed");
  const auto add_field = [&](const char* name, const std::string& value) {
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_name(part, name);
    curl_mime_data(part, value.data(), value.size());
  };
  add_field("chat_id", std::to_string(chat_id));
  curl_mimepart* part = curl_mime_addpart(mime.get());
  curl_mime_name(part, field);
  curl_mime_data(part, file.bytes.data(), file.bytes.size());  // curl copies the bytes
  curl_mime_filename(part, file.name.c_str());
  curl_mime_type(part, file.content_type.c_str());
  if (!caption.empty()) {
    add_field("caption", caption);
    if (!parse_mode.empty()) add_field("parse_mode", parse_mode);
  }
  if (!markup_text.empty()) add_field("reply_markup", markup_text);

  VPNHUB_ASSIGN_OR_RETURN(auto r, Perform(method, nullptr, mime.get(), options_.timeout));
  const auto id = MessageIdOf(r);
  if (!id) return Internal(what + ": reply without message_id");
  return *id;
}

Result<std::int64_t> BotApi::SendInvoice(const SendInvoiceRequest& request) {
  last_error_ = ApiError{};  // also for a request refused before sending
  if (request.title.empty() || request.description.empty() || request.payload.empty() ||
      request.label.empty() || request.amount < 1) {
    return InvalidArgument(
        "telegram sendInvoice: title, description, payload and label must be set and the amount "
        "positive");
  }
  const json params{
      {"chat_id", request.chat_id},
      {"title", request.title},
      {"description", request.description},
      {"payload", request.payload},
      {"provider_token", request.provider_token},
      {"currency", request.currency},
      {"prices", json::array({json{{"label", request.label}, {"amount", request.amount}}})}};
  VPNHUB_ASSIGN_OR_RETURN(auto r, Call("sendInvoice", params));
  const auto id = MessageIdOf(r);
  if (!id) return Internal("telegram sendInvoice: reply without message_id");
  return *id;
}

Status BotApi::AnswerPreCheckoutQuery(const std::string& pre_checkout_query_id, bool ok,
                                      const std::string& error_message) {
  last_error_ = ApiError{};  // also for a request refused before sending
  if (!ok && error_message.empty()) {
    return InvalidArgument("telegram answerPreCheckoutQuery: a refusal needs an error_message");
  }
  json params{{"pre_checkout_query_id", pre_checkout_query_id}, {"ok", ok}};
  if (!ok) params["error_message"] = error_message;
  return Call("answerPreCheckoutQuery", params).status();
}

Status BotApi::RefundStarPayment(std::int64_t user_id,
                                 const std::string& telegram_payment_charge_id) {
  return Call("refundStarPayment", json{{"user_id", user_id},
                                        {"telegram_payment_charge_id", telegram_payment_charge_id}})
      .status();
}

Result<ChatMember> BotApi::GetChatMember(std::int64_t chat_id, std::int64_t user_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          Call("getChatMember", json{{"chat_id", chat_id}, {"user_id", user_id}}));
  auto member = ParseChatMember(r);
  if (!member.ok()) return Internal("telegram getChatMember: " + member.status().message());
  return member;
}

Status BotApi::SetWebhook(const std::string& url, const std::string& secret_token,
                          const std::vector<std::string>& allowed_updates) {
  json params{{"url", url}};
  if (!secret_token.empty()) params["secret_token"] = secret_token;
  if (!allowed_updates.empty()) params["allowed_updates"] = allowed_updates;
  return Call("setWebhook", params).status();
}

Status BotApi::DeleteWebhook(bool drop_pending_updates) {
  return Call("deleteWebhook", json{{"drop_pending_updates", drop_pending_updates}}).status();
}

Status BotApi::SetMyCommands(const std::vector<BotCommand>& commands, std::int64_t scope_chat_id,
                             const std::string& language_code) {
  json list = json::array();
  for (const BotCommand& c : commands) {
    list.push_back(json{{"command", c.command}, {"description", c.description}});
  }
  json params{{"commands", std::move(list)}};
  params["scope"] = scope_chat_id == 0 ? json{{"type", "default"}}
                                       : json{{"type", "chat"}, {"chat_id", scope_chat_id}};
  if (!language_code.empty()) params["language_code"] = language_code;
  return Call("setMyCommands", params).status();
}

}  // namespace vpnhub::telegram
