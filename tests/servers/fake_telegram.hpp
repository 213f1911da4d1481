#pragma once
// An in-process fake of the Telegram Bot API (cpp-httplib on loopback) for tests, following the
// Bot API docs for getMe, getUpdates (long polling with offset/limit/timeout), sendMessage,
// editMessageText, answerCallbackQuery, sendPhoto and sendDocument (multipart uploads),
// getChatMember, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands and
// deleteMyCommands (a command menu per scope and language, checked as the docs say), and the
// Telegram Stars calls sendInvoice, answerPreCheckoutQuery and refundStarPayment
// (fake_telegram_payments.cpp). Method names are case-insensitive; parameters may come as JSON,
// form or multipart bodies, or in the query string.
//
// It records every call and can misbehave on request: answer 429/500/... for the next N calls of
// a method, answer 403 "bot was blocked by the user" for a chat, and enforce Telegram's send rate
// limits. The same controls are served over HTTP under /control/ on the same port (for the
// Python end-to-end tests; see fake_telegram.cpp for the routes).
//
// Thread-safe: every public method may be called from any thread while the server runs.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace httplib {
class Server;
}

namespace vpnhub::servers {

struct RecordedCall {
  std::string method;           // as named in the docs ("sendMessage"), whatever case was used
  std::int64_t chat_id = 0;     // 0 when the call has none
  std::string text;             // text, or caption for sendPhoto / sendDocument
  std::int64_t message_id = 0;  // message sent or edited by a successful call, else 0
  nlohmann::json reply_markup;  // parsed reply_markup; null when none was sent
  std::size_t photo_size = 0;   // bytes of the photo file part
  // sendDocument: the uploaded document part's file name and its bytes, as sent.
  std::string document_name;
  std::string document;
  std::int64_t time_ms = 0;  // milliseconds since the fake was created (steady clock)
  int status = 0;            // HTTP status the fake answered
  int client_port = 0;       // the caller's TCP port: equal ports = a reused connection
  nlohmann::json params;     // every parameter; form and multipart values as strings

  nlohmann::json ToJson() const;
};

struct FakeTelegramStats {
  std::int64_t calls = 0;                         // API calls, control calls excluded
  std::map<int, std::int64_t> by_status;          // HTTP status -> calls answered with it
  std::map<std::string, std::int64_t> by_method;  // method -> calls
  std::int64_t rate_limited = 0;                  // 429s produced by the rate limiter

  // {"calls":N,"rate_limited":N,"200":N,"429":N,...,"by_method":{...}}
  nlohmann::json ToJson() const;
};

// An answerPreCheckoutQuery the fake accepted or refused, against the query it names.
struct PreCheckoutAnswer {
  std::string query_id;
  std::int64_t user_id = 0;  // who the query came from; 0 for an unknown query
  bool ok = false;
  std::string error_message;
  std::int64_t latency_ms = -1;  // since the query was injected; -1 for an unknown query
  bool in_time = false;          // within the deadline (10 s unless SetPreCheckoutDeadline)
  int status = 0;                // the HTTP status the fake answered

  nlohmann::json ToJson() const;
};

// A Stars payment the fake made (InjectSuccessfulPayment) and whether it was refunded.
struct StarCharge {
  std::string charge_id;  // telegram_payment_charge_id
  std::int64_t user_id = 0;
  std::int64_t amount = 0;
  std::string payload;
  bool refunded = false;

  nlohmann::json ToJson() const;
};

struct RateLimitOptions {
  bool enabled = false;
  int global_per_sec = 30;   // sends in any 1 s window, all chats together
  int per_chat_per_sec = 1;  // sustained sends per chat
  int per_chat_burst = 3;    // sends a quiet chat may make at once
};

class FakeTelegram {
 public:
  explicit FakeTelegram(std::string token = "123456:TEST-fake-token", int threads = 32);
  ~FakeTelegram();
  FakeTelegram(const FakeTelegram&) = delete;
  FakeTelegram& operator=(const FakeTelegram&) = delete;

  // Binds host:port (0 = a free port) and serves on a background thread. Call once.
  Status Start(int port = 0, const std::string& host = "127.0.0.1");
  // Wakes pending long polls and stops serving; idempotent, also run by the destructor.
  void Stop();
  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT", the BotApiOptions::base_url
  const std::string& token() const { return token_; }

  // Queues an update for getUpdates and returns its update_id (assigned when the object has
  // none; a given one moves the counter past it).
  std::int64_t PushUpdate(nlohmann::json update);
  std::size_t PendingUpdates() const;
  // Waits until a getUpdates call is parked waiting for updates; false on timeout.
  bool WaitForPoller(std::chrono::milliseconds timeout) const;

  // Recorded calls, oldest first; method "" = all. Matching is case-insensitive.
  std::vector<RecordedCall> Calls(std::string_view method = "") const;
  // Waits until at least n calls of method were recorded; false on timeout.
  bool WaitForCalls(std::string_view method, std::size_t n,
                    std::chrono::milliseconds timeout) const;

  // The next `count` calls of `method` ("" or "*" = any method) answer `status` instead of
  // running: 429 carries parameters.retry_after = retry_after_sec; description defaults to what
  // Telegram says for that status.
  void FailNext(std::string method, int count, int status = 429, int retry_after_sec = 1,
                std::string description = "");
  // Sends and edits to a blocked chat answer 403 "Forbidden: bot was blocked by the user".
  void Block(std::int64_t chat_id, bool blocked = true);
  // getChatMember answers "member" for these users (in any chat) and "left" for the others.
  void AddMember(std::int64_t user_id, bool member = true);
  void SetRateLimit(const RateLimitOptions& options);
  void SetRateLimit(bool enabled);

  // Telegram Stars. A pre_checkout_query from user_id for an invoice (payload, total_amount,
  // currency) as Telegram sends it; queued for getUpdates when `queue`, else only registered (a
  // test posts the returned update to a webhook itself). answerPreCheckoutQuery must name its id
  // within the deadline. Returns the update (with update_id when queued).
  nlohmann::json InjectPreCheckout(std::int64_t user_id, const std::string& payload,
                                   std::int64_t total_amount, const std::string& currency = "XTR",
                                   const std::string& language_code = "en", bool queue = true);
  // A message with successful_payment from user_id, as Telegram sends it after a payment; the
  // charge (charge_id, or a new one when empty) becomes refundable with refundStarPayment. The
  // same charge_id twice = a redelivery of one payment. Queued or only registered as above.
  nlohmann::json InjectSuccessfulPayment(std::int64_t user_id, const std::string& payload,
                                         std::int64_t total_amount, std::string charge_id = "",
                                         const std::string& currency = "XTR", bool queue = true);
  // How long after its injection a pre_checkout_query can be answered (Telegram: 10 s).
  void SetPreCheckoutDeadline(std::chrono::milliseconds deadline);
  std::vector<PreCheckoutAnswer> PreCheckoutAnswers() const;
  // Waits until at least n answers were recorded; false on timeout.
  bool WaitForPreCheckoutAnswers(std::size_t n, std::chrono::milliseconds timeout) const;
  std::vector<StarCharge> StarCharges() const;

  FakeTelegramStats Stats() const;
  std::optional<std::string> webhook_url() const;
  // The commands set for `scope` (a BotCommandScope object; null = default) and language_code,
  // exactly as getMyCommands answers: [{"command":...,"description":...}], [] when none.
  nlohmann::json MyCommands(const nlohmann::json& scope = nullptr,
                            const std::string& language_code = "") const;
  // Every menu set: [{"scope":{...},"language_code":"ru","commands":[...]}], by scope and code.
  nlohmann::json CommandMenus() const;
  // Forgets calls, updates, failures, blocks, members, the webhook, rate limiting and stats.
  void Reset();

 private:
  struct Reply {
    int status = 200;
    nlohmann::json body;
  };
  struct Failure {
    std::string method;
    int remaining = 0;
    int status = 429;
    int retry_after_sec = 1;
    std::string description;
  };
  struct StoredMessage {
    std::string text;
    nlohmann::json reply_markup;
    bool has_text = true;  // false for photos and documents
  };
  // A multipart file part (photo or document) as uploaded.
  struct UploadedFile {
    std::string field;  // the part's name: "photo", "document"
    std::string file_name;
    std::string bytes;
  };
  struct CommandMenu {
    nlohmann::json scope;
    std::string language_code;
    nlohmann::json commands;
  };

  void InstallRoutes();
  void InstallPaymentControls();  // the /control/ routes of the Stars calls
  // Runs one API call: `method` as written in the URL, `params` merged from every source.
  Reply HandleApi(const std::string& token, const std::string& method, nlohmann::json params,
                  const std::optional<UploadedFile>& file, int client_port);
  Reply Dispatch(const std::string& method, const nlohmann::json& params,
                 const std::optional<UploadedFile>& file, std::unique_lock<std::mutex>& lock);
  Reply GetUpdates(const nlohmann::json& params, std::unique_lock<std::mutex>& lock);
  Reply SendMessage(const nlohmann::json& params);
  Reply EditMessageText(const nlohmann::json& params);
  Reply SendPhoto(const nlohmann::json& params, const std::optional<UploadedFile>& file);
  Reply SendDocument(const nlohmann::json& params, const std::optional<UploadedFile>& file);
  Reply GetChatMember(const nlohmann::json& params);
  // setMyCommands, getMyCommands, deleteMyCommands (fake_telegram_commands.cpp).
  Reply CommandMenuCall(const std::string& method, const nlohmann::json& params);
  // sendInvoice, answerPreCheckoutQuery, refundStarPayment (fake_telegram_payments.cpp).
  Reply SendInvoice(const nlohmann::json& params);
  Reply AnswerPreCheckoutQuery(const nlohmann::json& params);
  Reply RefundStarPayment(const nlohmann::json& params);
  void ResetPaymentsLocked();
  // 429 from the rate limiter, or nullopt when the send may go ahead (and is counted).
  std::optional<Reply> RateLimit(std::int64_t chat_id);
  nlohmann::json BotUser() const;
  nlohmann::json NewMessage(std::int64_t chat_id, const std::string& text_field,
                            const std::string& text, const nlohmann::json& reply_markup);
  std::int64_t NowMs() const;
  std::int64_t PushUpdateLocked(nlohmann::json update);
  void ResetLocked();
  static Reply Error(int status, std::string description, int retry_after_sec = 0);

  const std::string token_;
  const int threads_;
  const std::chrono::steady_clock::time_point created_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listen_done_{false};
  int port_ = 0;

  mutable std::mutex mu_;
  mutable std::condition_variable updates_cv_;  // new updates, a newer poller, or Stop
  mutable std::condition_variable calls_cv_;    // a call was recorded
  bool stopping_ = false;
  std::deque<nlohmann::json> updates_;
  std::int64_t next_update_id_ = 1;
  std::uint64_t poll_generation_ = 0;
  int parked_polls_ = 0;
  std::vector<std::string> allowed_updates_;
  std::vector<RecordedCall> calls_;
  std::vector<Failure> failures_;
  std::set<std::int64_t> blocked_;
  std::set<std::int64_t> members_;
  std::optional<std::string> webhook_url_;
  // (canonical scope JSON, language_code) -> menu
  std::map<std::pair<std::string, std::string>, CommandMenu> command_menus_;
  std::map<std::int64_t, std::int64_t> next_message_id_;                     // chat -> next id
  std::map<std::pair<std::int64_t, std::int64_t>, StoredMessage> messages_;  // (chat, id)
  // Stars: query id -> (from, injected at ms); charges by id; the answers in arrival order.
  struct PendingQuery {
    std::int64_t user_id = 0;
    std::int64_t injected_ms = 0;
    bool answered = false;
  };
  std::map<std::string, PendingQuery> pre_checkout_queries_;
  std::map<std::string, StarCharge> charges_;
  std::vector<PreCheckoutAnswer> pre_checkout_answers_;
  std::int64_t pre_checkout_deadline_ms_ = 10000;
  std::int64_t next_payment_id_ = 1;
  RateLimitOptions rate_limit_;
  std::deque<std::int64_t> recent_sends_ms_;                              // for the global window
  std::map<std::int64_t, std::pair<double, std::int64_t>> chat_buckets_;  // tokens, last ms
  FakeTelegramStats stats_;
};

// Update objects as Telegram sends them (without update_id; PushUpdate assigns one): a private
// message from user_id (a "/command" gets its bot_command entity), and a button press on message
// message_id of the chat with user_id.
nlohmann::json MessageUpdate(std::int64_t user_id, const std::string& text,
                             const std::string& language_code = "en");
nlohmann::json CallbackUpdate(std::int64_t user_id, const std::string& data,
                              std::int64_t message_id);
// Telegram Stars updates as Telegram sends them (without update_id); FakeTelegram's Inject*
// register them so that the answer or refund naming them is accepted.
nlohmann::json PreCheckoutUpdate(std::int64_t user_id, const std::string& query_id,
                                 const std::string& payload, std::int64_t total_amount,
                                 const std::string& currency = "XTR",
                                 const std::string& language_code = "en");
nlohmann::json SuccessfulPaymentUpdate(std::int64_t user_id, const std::string& payload,
                                       std::int64_t total_amount, const std::string& charge_id,
                                       const std::string& currency = "XTR");

}  // namespace vpnhub::servers
