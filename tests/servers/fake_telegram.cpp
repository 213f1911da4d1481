#include "servers/fake_telegram.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "servers/fake_telegram_params.hpp"
#include "util/text.hpp"

namespace vpnhub::servers {
namespace {

using fake_telegram_params::BoolParam;
using fake_telegram_params::CheckFormatted;
using fake_telegram_params::CheckMarkup;
using fake_telegram_params::CodePoints;
using fake_telegram_params::IntParam;
using fake_telegram_params::JsonParam;
using fake_telegram_params::SetAllowedUpdates;
using fake_telegram_params::StringParam;

using nlohmann::json;

constexpr const char* kMethods[] = {
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "getChatMember",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendInvoice",
    "answerPreCheckoutQuery",
    "refundStarPayment",
};
constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
constexpr std::size_t kMaxPhotoBytes = 10u << 20;
constexpr std::size_t kMaxDocumentBytes = 50u << 20;  // what a bot may upload
constexpr const char* kBlocked = "Forbidden: bot was blocked by the user";

// The method's name as the docs spell it, or "" when the fake does not implement it.
std::string Canonical(std::string_view method) {
  for (const char* m : kMethods) {
    if (util::EqualsIgnoreCase(method, m)) return m;
  }
  return "";
}

std::string UpdateKind(const json& update) {
  for (const auto& [key, value] : update.items()) {
    if (key != "update_id") return key;
  }
  return "";
}

std::int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DefaultDescription(int status, int retry_after_sec) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return kBlocked;
    case 404:
      return "Not Found";
    case 409:
      return "Conflict: terminated by other getUpdates request";
    case 429:
      return "Too Many Requests: retry after " + std::to_string(retry_after_sec);
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return "Error " + std::to_string(status);
  }
}

json UserJson(std::int64_t user_id, const std::string& language_code) {
  return json{{"id", user_id},
              {"is_bot", false},
              {"first_name", "User" + std::to_string(user_id)},
              {"username", "user" + std::to_string(user_id)},
              {"language_code", language_code}};
}

std::atomic<std::int64_t> g_next_user_message_id{1'000'000};
std::atomic<std::int64_t> g_next_callback_id{1};

}  // namespace

json RecordedCall::ToJson() const {
  return json{{"method", method},
              {"chat_id", chat_id},
              {"text", text},
              {"message_id", message_id},
              {"reply_markup", reply_markup},
              {"photo_size", photo_size},
              {"document_name", document_name},
              {"document", document},
              {"client_port", client_port},
              {"time_ms", time_ms},
              {"status", status},
              {"params", params}};
}

json FakeTelegramStats::ToJson() const {
  json j{{"calls", calls}, {"rate_limited", rate_limited}, {"by_method", by_method}};
  for (const auto& [status, n] : by_status) j[std::to_string(status)] = n;
  return j;
}

std::int64_t FakeTelegram::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               created_)
      .count();
}

FakeTelegram::Reply FakeTelegram::Error(int status, std::string description, int retry_after_sec) {
  json body{{"ok", false}, {"error_code", status}, {"description", std::move(description)}};
  if (retry_after_sec > 0) body["parameters"] = json{{"retry_after", retry_after_sec}};
  return Reply{status, std::move(body)};
}

json FakeTelegram::BotUser() const {
  std::int64_t id = 0;
  for (char c : token_) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || id > INT64_MAX / 100) break;
    id = id * 10 + (c - '0');
  }
  return json{{"id", id},
              {"is_bot", true},
              {"first_name", "Fake Bot"},
              {"username", "fake_test_bot"},
              {"can_join_groups", true},
              {"can_read_all_group_messages", false},
              {"supports_inline_queries", false}};
}

std::int64_t FakeTelegram::PushUpdate(json update) {
  std::int64_t id;
  {
    std::lock_guard lock(mu_);
    id = PushUpdateLocked(std::move(update));
  }
  updates_cv_.notify_all();
  return id;
}

std::int64_t FakeTelegram::PushUpdateLocked(json update) {
  if (!update.is_object()) update = json::object();
  std::int64_t id;
  if (const auto given = IntParam(update, "update_id")) {
    id = *given;
  } else {
    id = next_update_id_;
  }
  update["update_id"] = id;
  next_update_id_ = std::max(next_update_id_, id + 1);
  const auto pos = std::upper_bound(
      updates_.begin(), updates_.end(), id,
      [](std::int64_t v, const json& u) { return v < u["update_id"].get<std::int64_t>(); });
  updates_.insert(pos, std::move(update));
  return id;
}

std::size_t FakeTelegram::PendingUpdates() const {
  std::lock_guard lock(mu_);
  return updates_.size();
}

bool FakeTelegram::WaitForPoller(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return calls_cv_.wait_for(lock, timeout, [&] { return parked_polls_ > 0; });
}

std::vector<RecordedCall> FakeTelegram::Calls(std::string_view method) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedCall> out;
  for (const auto& c : calls_) {
    if (method.empty() || util::EqualsIgnoreCase(method, c.method)) out.push_back(c);
  }
  return out;
}

bool FakeTelegram::WaitForCalls(std::string_view method, std::size_t n,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return calls_cv_.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [&](const auto& c) {
             return method.empty() || util::EqualsIgnoreCase(method, c.method);
           })) >= n;
  });
}

void FakeTelegram::FailNext(std::string method, int count, int status, int retry_after_sec,
                            std::string description) {
  if (method == "*") method.clear();
  if (description.empty()) description = DefaultDescription(status, retry_after_sec);
  std::lock_guard lock(mu_);
  failures_.push_back(Failure{std::move(method), count, status, status == 429 ? retry_after_sec : 0,
                              std::move(description)});
}

void FakeTelegram::Block(std::int64_t chat_id, bool blocked) {
  std::lock_guard lock(mu_);
  if (blocked) {
    blocked_.insert(chat_id);
  } else {
    blocked_.erase(chat_id);
  }
}

void FakeTelegram::AddMember(std::int64_t user_id, bool member) {
  std::lock_guard lock(mu_);
  if (member) {
    members_.insert(user_id);
  } else {
    members_.erase(user_id);
  }
}

void FakeTelegram::SetRateLimit(const RateLimitOptions& options) {
  std::lock_guard lock(mu_);
  rate_limit_ = options;
  recent_sends_ms_.clear();
  chat_buckets_.clear();
}

void FakeTelegram::SetRateLimit(bool enabled) {
  RateLimitOptions options;
  options.enabled = enabled;
  SetRateLimit(options);
}

FakeTelegramStats FakeTelegram::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::optional<std::string> FakeTelegram::webhook_url() const {
  std::lock_guard lock(mu_);
  return webhook_url_;
}

void FakeTelegram::Reset() {
  std::lock_guard lock(mu_);
  ResetLocked();
}

void FakeTelegram::ResetLocked() {
  updates_.clear();
  allowed_updates_.clear();
  calls_.clear();
  failures_.clear();
  blocked_.clear();
  members_.clear();
  webhook_url_.reset();
  command_menus_.clear();
  next_message_id_.clear();
  messages_.clear();
  rate_limit_ = RateLimitOptions{};
  recent_sends_ms_.clear();
  chat_buckets_.clear();
  ResetPaymentsLocked();
  stats_ = FakeTelegramStats{};
}

FakeTelegram::Reply FakeTelegram::HandleApi(const std::string& token, const std::string& method,
                                            json params, const std::optional<UploadedFile>& file,
                                            int client_port) {
  std::unique_lock lock(mu_);
  RecordedCall call;
  call.method = Canonical(method);
  if (call.method.empty()) call.method = method;
  call.time_ms = NowMs();
  call.chat_id = IntParam(params, "chat_id").value_or(0);
  const bool captioned = call.method == "sendPhoto" || call.method == "sendDocument";
  call.text = StringParam(params, captioned ? "caption" : "text");
  call.reply_markup = JsonParam(params, "reply_markup");
  if (call.reply_markup.is_discarded()) call.reply_markup = StringParam(params, "reply_markup");
  // A file only counts in the part its method names (Telegram ignores the other).
  const bool photo = file && file->field == "photo" && call.method == "sendPhoto";
  const bool document = file && file->field == "document" && call.method == "sendDocument";
  call.photo_size = photo ? file->bytes.size() : 0;
  if (document) {
    call.document_name = file->file_name;
    call.document = file->bytes;
  }
  call.client_port = client_port;

  Reply reply;
  const auto failure = std::find_if(failures_.begin(), failures_.end(), [&](const Failure& f) {
    return f.remaining > 0 && (f.method.empty() || util::EqualsIgnoreCase(f.method, call.method));
  });
  if (token != token_) {
    reply = Error(401, "Unauthorized");
  } else if (failure != failures_.end()) {
    reply = Error(failure->status, failure->description, failure->retry_after_sec);
    if (--failure->remaining == 0) failures_.erase(failure);
  } else if (Canonical(method).empty()) {
    reply = Error(404, "Not Found");
  } else {
    reply = Dispatch(call.method, params, file, lock);
  }

  call.status = reply.status;
  if (reply.status == 200 && reply.body["result"].is_object()) {
    call.message_id = IntParam(reply.body["result"], "message_id").value_or(0);
  }
  call.params = std::move(params);
  ++stats_.calls;
  ++stats_.by_status[reply.status];
  ++stats_.by_method[call.method];
  calls_.push_back(std::move(call));
  lock.unlock();
  calls_cv_.notify_all();
  return reply;
}

FakeTelegram::Reply FakeTelegram::Dispatch(const std::string& method, const json& params,
                                           const std::optional<UploadedFile>& file,
                                           std::unique_lock<std::mutex>& lock) {
  const auto ok = [](json result) { return Reply{200, json{{"ok", true}, {"result", result}}}; };
  if (method == "getMe") return ok(BotUser());
  if (method == "getUpdates") return GetUpdates(params, lock);
  if (method == "sendMessage") return SendMessage(params);
  if (method == "editMessageText") return EditMessageText(params);
  if (method == "sendPhoto") return SendPhoto(params, file);
  if (method == "sendDocument") return SendDocument(params, file);
  if (method == "getChatMember") return GetChatMember(params);
  if (method == "sendInvoice") return SendInvoice(params);
  if (method == "answerPreCheckoutQuery") return AnswerPreCheckoutQuery(params);
  if (method == "refundStarPayment") return RefundStarPayment(params);
  if (method == "setMyCommands" || method == "getMyCommands" || method == "deleteMyCommands") {
    return CommandMenuCall(method, params);
  }
  if (method == "answerCallbackQuery") {
    if (StringParam(params, "callback_query_id").empty()) {
      return Error(400,
                   "Bad Request: query is too old and response timeout expired or query ID "
                   "is invalid");
    }
    if (CodePoints(StringParam(params, "text")) > 200) {
      return Error(400, "Bad Request: MESSAGE_TOO_LONG");
    }
    return ok(true);
  }
  if (method == "setWebhook" || method == "deleteWebhook") {
    const std::string url = method == "setWebhook" ? StringParam(params, "url") : "";
    if (!url.empty() && url.rfind("https://", 0) != 0) {
      return Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    }
    if (url.empty()) {
      webhook_url_.reset();
    } else {
      webhook_url_ = url;
    }
    if (BoolParam(params, "drop_pending_updates")) updates_.clear();
    SetAllowedUpdates(JsonParam(params, "allowed_updates"), allowed_updates_);
    Reply r = ok(true);
    r.body["description"] = url.empty() ? "Webhook was deleted" : "Webhook was set";
    return r;
  }
  if (method == "getWebhookInfo") {
    return ok(json{{"url", webhook_url_.value_or("")},
                   {"has_custom_certificate", false},
                   {"pending_update_count", updates_.size()}});
  }
  return Error(404, "Not Found");
}

FakeTelegram::Reply FakeTelegram::GetUpdates(const json& params,
                                             std::unique_lock<std::mutex>& lock) {
  if (webhook_url_) {
    return Error(409,
                 "Conflict: can't use getUpdates method while webhook is active; use "
                 "deleteWebhook to delete the webhook first");
  }
  const std::int64_t offset = IntParam(params, "offset").value_or(0);
  const std::int64_t limit =
      std::clamp<std::int64_t>(IntParam(params, "limit").value_or(100), 1, 100);
  const std::int64_t timeout_sec =
      std::clamp<std::int64_t>(IntParam(params, "timeout").value_or(0), 0, 3600);
  SetAllowedUpdates(JsonParam(params, "allowed_updates"), allowed_updates_);
  // Confirm: a positive offset forgets every older update; -N keeps only the last N.
  if (offset > 0) {
    std::erase_if(updates_,
                  [&](const json& u) { return u["update_id"].get<std::int64_t>() < offset; });
  } else if (offset < 0 && static_cast<std::size_t>(-offset) < updates_.size()) {
    updates_.erase(updates_.begin(), updates_.end() + offset);
  }
  // A new poller terminates the one already waiting, as Telegram does.
  const std::uint64_t generation = ++poll_generation_;
  updates_cv_.notify_all();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_sec);
  while (true) {
    if (!allowed_updates_.empty()) {
      std::erase_if(updates_, [&](const json& u) {
        return std::find(allowed_updates_.begin(), allowed_updates_.end(), UpdateKind(u)) ==
               allowed_updates_.end();
      });
    }
    if (poll_generation_ != generation) {
      return Error(409,
                   "Conflict: terminated by other getUpdates request; make sure that only one bot "
                   "instance is running");
    }
    if (!updates_.empty() || stopping_ || std::chrono::steady_clock::now() >= deadline) break;
    ++parked_polls_;
    calls_cv_.notify_all();
    updates_cv_.wait_until(lock, deadline);
    --parked_polls_;
  }
  json result = json::array();
  for (const json& u : updates_) {
    if (static_cast<std::int64_t>(result.size()) >= limit) break;
    result.push_back(u);
  }
  return Reply{200, json{{"ok", true}, {"result", std::move(result)}}};
}

std::optional<FakeTelegram::Reply> FakeTelegram::RateLimit(std::int64_t chat_id) {
  if (!rate_limit_.enabled) return std::nullopt;
  const std::int64_t now = NowMs();
  while (!recent_sends_ms_.empty() && recent_sends_ms_.front() <= now - 1000) {
    recent_sends_ms_.pop_front();
  }
  auto [bucket, inserted] =
      chat_buckets_.try_emplace(chat_id, static_cast<double>(rate_limit_.per_chat_burst), now);
  auto& [tokens, last_ms] = bucket->second;
  tokens = std::min<double>(rate_limit_.per_chat_burst,
                            tokens + (now - last_ms) * rate_limit_.per_chat_per_sec / 1000.0);
  last_ms = now;
  if (static_cast<int>(recent_sends_ms_.size()) >= rate_limit_.global_per_sec || tokens < 1.0) {
    ++stats_.rate_limited;
    return Error(429, DefaultDescription(429, 1), 1);
  }
  tokens -= 1.0;
  recent_sends_ms_.push_back(now);
  return std::nullopt;
}

json FakeTelegram::NewMessage(std::int64_t chat_id, const std::string& text_field,
                              const std::string& text, const json& reply_markup) {
  const std::int64_t id = ++next_message_id_[chat_id];
  json message{{"message_id", id},
               {"from", BotUser()},
               {"chat", json{{"id", chat_id}, {"type", chat_id > 0 ? "private" : "supergroup"}}},
               {"date", UnixSeconds()}};
  if (!text.empty()) message[text_field] = text;
  if (!reply_markup.is_null()) message["reply_markup"] = reply_markup;
  messages_[{chat_id, id}] = StoredMessage{text, reply_markup, text_field == "text"};
  return message;
}

FakeTelegram::Reply FakeTelegram::SendMessage(const json& params) {
  const auto chat_id = IntParam(params, "chat_id");
  if (!chat_id) return Error(400, "Bad Request: chat not found");
  const std::string text = StringParam(params, "text");
  if (text.empty()) return Error(400, "Bad Request: message text is empty");
  std::size_t visible = 0;
  if (auto err = CheckFormatted(params, text, visible)) return Error(400, *err);
  if (visible > 4096) return Error(400, "Bad Request: message is too long");
  const json markup = JsonParam(params, "reply_markup");
  if (auto err = CheckMarkup(markup)) return Error(400, *err);
  if (blocked_.count(*chat_id) != 0) return Error(403, kBlocked);
  if (auto limited = RateLimit(*chat_id)) return *limited;
  return Reply{200, json{{"ok", true}, {"result", NewMessage(*chat_id, "text", text, markup)}}};
}

FakeTelegram::Reply FakeTelegram::EditMessageText(const json& params) {
  const std::string text = StringParam(params, "text");
  if (text.empty()) return Error(400, "Bad Request: message text is empty");
  std::size_t visible = 0;
  if (auto err = CheckFormatted(params, text, visible)) return Error(400, *err);
  if (visible > 4096) return Error(400, "Bad Request: MESSAGE_TOO_LONG");
  const json markup = JsonParam(params, "reply_markup");
  if (auto err = CheckMarkup(markup)) return Error(400, *err);
  if (!StringParam(params, "inline_message_id").empty()) {
    return Reply{200, json{{"ok", true}, {"result", true}}};
  }
  const auto chat_id = IntParam(params, "chat_id");
  const auto message_id = IntParam(params, "message_id");
  if (!chat_id || !message_id)
    return Error(400, "Bad Request: message identifier is not specified");
  if (blocked_.count(*chat_id) != 0) return Error(403, kBlocked);
  const auto it = messages_.find({*chat_id, *message_id});
  if (it == messages_.end()) return Error(400, "Bad Request: message to edit not found");
  StoredMessage& stored = it->second;
  if (!stored.has_text) return Error(400, "Bad Request: there is no text in the message to edit");
  if (stored.text == text && stored.reply_markup == markup) {
    return Error(400,
                 "Bad Request: message is not modified: specified new message content and reply "
                 "markup are exactly the same as a current content and reply markup of the "
                 "message");
  }
  stored.text = text;
  stored.reply_markup = markup;
  json message{{"message_id", *message_id},
               {"from", BotUser()},
               {"chat", json{{"id", *chat_id}, {"type", *chat_id > 0 ? "private" : "supergroup"}}},
               {"date", UnixSeconds()},
               {"edit_date", UnixSeconds()},
               {"text", text}};
  if (!markup.is_null()) message["reply_markup"] = markup;
  return Reply{200, json{{"ok", true}, {"result", std::move(message)}}};
}

FakeTelegram::Reply FakeTelegram::SendPhoto(const json& params,
                                            const std::optional<UploadedFile>& file) {
  const auto chat_id = IntParam(params, "chat_id");
  if (!chat_id) return Error(400, "Bad Request: chat not found");
  const std::optional<UploadedFile> photo =
      file && file->field == "photo" ? file : std::optional<UploadedFile>();
  if (!photo) {
    return Error(400, params.contains("photo")
                          ? "Bad Request: wrong file identifier/HTTP URL specified"
                          : "Bad Request: there is no photo in the request");
  }
  if (photo->bytes.size() > kMaxPhotoBytes) return Error(400, "Bad Request: file is too big");
  if (photo->bytes.compare(0, kPngSignature.size(), kPngSignature) != 0) {
    return Error(400, "Bad Request: IMAGE_PROCESS_FAILED");
  }
  const std::string caption = StringParam(params, "caption");
  std::size_t visible = 0;
  if (auto err = CheckFormatted(params, caption, visible)) return Error(400, *err);
  if (visible > 1024) return Error(400, "Bad Request: message caption is too long");
  const json markup = JsonParam(params, "reply_markup");
  if (auto err = CheckMarkup(markup)) return Error(400, *err);
  if (blocked_.count(*chat_id) != 0) return Error(403, kBlocked);
  if (auto limited = RateLimit(*chat_id)) return *limited;

  // Width and height from the IHDR chunk that follows the signature, when it is there.
  const auto be32 = [&](std::size_t at) {
    std::int64_t v = 0;
    for (std::size_t k = 0; k < 4; ++k)
      v = v * 256 + static_cast<unsigned char>(photo->bytes[at + k]);
    return v;
  };
  const bool has_ihdr = photo->bytes.size() >= 24 && photo->bytes.compare(12, 4, "IHDR") == 0;
  json message = NewMessage(*chat_id, "caption", caption, markup);
  const std::string file_id = "fake-photo-" + std::to_string(*chat_id) + "-" +
                              std::to_string(message["message_id"].get<std::int64_t>());
  message["photo"] = json::array({json{{"file_id", file_id},
                                       {"file_unique_id", file_id},
                                       {"width", has_ihdr ? be32(16) : 0},
                                       {"height", has_ihdr ? be32(20) : 0},
                                       {"file_size", photo->bytes.size()}}});
  return Reply{200, json{{"ok", true}, {"result", std::move(message)}}};
}

FakeTelegram::Reply FakeTelegram::SendDocument(const json& params,
                                               const std::optional<UploadedFile>& file) {
  const auto chat_id = IntParam(params, "chat_id");
  if (!chat_id) return Error(400, "Bad Request: chat not found");
  if (!file || file->field != "document") {
    return Error(400, params.contains("document")
                          ? "Bad Request: wrong file identifier/HTTP URL specified"
                          : "Bad Request: there is no document in the request");
  }
  if (file->bytes.empty()) return Error(400, "Bad Request: file must be non-empty");
  if (file->bytes.size() > kMaxDocumentBytes) return Error(400, "Bad Request: file is too big");
  const std::string caption = StringParam(params, "caption");
  std::size_t visible = 0;
  if (auto err = CheckFormatted(params, caption, visible)) return Error(400, *err);
  if (visible > 1024) return Error(400, "Bad Request: message caption is too long");
  const json markup = JsonParam(params, "reply_markup");
  if (auto err = CheckMarkup(markup)) return Error(400, *err);
  if (blocked_.count(*chat_id) != 0) return Error(403, kBlocked);
  if (auto limited = RateLimit(*chat_id)) return *limited;

  json message = NewMessage(*chat_id, "caption", caption, markup);
  const std::string file_id = "fake-document-" + std::to_string(*chat_id) + "-" +
                              std::to_string(message["message_id"].get<std::int64_t>());
  message["document"] = json{{"file_id", file_id},
                             {"file_unique_id", file_id},
                             {"file_name", file->file_name},
                             {"mime_type", "application/octet-stream"},
                             {"file_size", file->bytes.size()}};
  return Reply{200, json{{"ok", true}, {"result", std::move(message)}}};
}

FakeTelegram::Reply FakeTelegram::GetChatMember(const json& params) {
  const auto chat_id = IntParam(params, "chat_id");
  if (!chat_id) return Error(400, "Bad Request: chat not found");
  const auto user_id = IntParam(params, "user_id");
  if (!user_id) return Error(400, "Bad Request: invalid user_id specified");
  const bool member = members_.count(*user_id) != 0;
  return Reply{200, json{{"ok", true},
                         {"result", json{{"status", member ? "member" : "left"},
                                         {"user", UserJson(*user_id, "en")}}}}};
}

json MessageUpdate(std::int64_t user_id, const std::string& text,
                   const std::string& language_code) {
  json message{{"message_id", g_next_user_message_id++},
               {"from", UserJson(user_id, language_code)},
               {"chat", json{{"id", user_id},
                             {"first_name", "User" + std::to_string(user_id)},
                             {"username", "user" + std::to_string(user_id)},
                             {"type", "private"}}},
               {"date", UnixSeconds()},
               {"text", text}};
  if (!text.empty() && text.front() == '/') {
    const std::size_t end = text.find_first_of(" \n");
    const std::size_t length = end == std::string::npos ? text.size() : end;
    message["entities"] =
        json::array({json{{"offset", 0}, {"length", length}, {"type", "bot_command"}}});
  }
  return json{{"message", std::move(message)}};
}

json CallbackUpdate(std::int64_t user_id, const std::string& data, std::int64_t message_id) {
  const std::int64_t n = g_next_callback_id++;
  json message{{"message_id", message_id},
               {"from", json{{"id", 123456},
                             {"is_bot", true},
                             {"first_name", "Fake Bot"},
                             {"username", "fake_test_bot"}}},
               {"chat", json{{"id", user_id}, {"type", "private"}}},
               {"date", UnixSeconds()},
               {"text", ""}};
  return json{{"callback_query", json{{"id", std::to_string(user_id) + "-" + std::to_string(n)},
                                      {"from", UserJson(user_id, "en")},
                                      {"message", std::move(message)},
                                      {"chat_instance", std::to_string(user_id * 7919)},
                                      {"data", data}}}};
}

json PreCheckoutUpdate(std::int64_t user_id, const std::string& query_id,
                       const std::string& payload, std::int64_t total_amount,
                       const std::string& currency, const std::string& language_code) {
  return json{{"pre_checkout_query", json{{"id", query_id},
                                          {"from", UserJson(user_id, language_code)},
                                          {"currency", currency},
                                          {"total_amount", total_amount},
                                          {"invoice_payload", payload}}}};
}

json SuccessfulPaymentUpdate(std::int64_t user_id, const std::string& payload,
                             std::int64_t total_amount, const std::string& charge_id,
                             const std::string& currency) {
  json message{{"message_id", g_next_user_message_id++},
               {"from", UserJson(user_id, "en")},
               {"chat", json{{"id", user_id},
                             {"first_name", "User" + std::to_string(user_id)},
                             {"username", "user" + std::to_string(user_id)},
                             {"type", "private"}}},
               {"date", UnixSeconds()},
               {"successful_payment", json{{"currency", currency},
                                           {"total_amount", total_amount},
                                           {"invoice_payload", payload},
                                           {"telegram_payment_charge_id", charge_id},
                                           {"provider_payment_charge_id", ""}}}};
  return json{{"message", std::move(message)}};
}

}  // namespace vpnhub::servers
