// FakeTelegram's Telegram Stars: sendInvoice, answerPreCheckoutQuery and refundStarPayment as the
// Bot API documents them (https://core.telegram.org/bots/api#payments and
// https://core.telegram.org/bots/payments-stars), and the injection of the pre_checkout_query and
// successful_payment updates Telegram sends around a payment. Only Stars: an invoice in another
// currency (which would need a payment provider's token) is refused. Error descriptions are
// Telegram's where known (STARS_INVOICE_INVALID, CHARGE_ALREADY_REFUNDED, the expired query),
// else of the same shape.
#include <string>

#include "servers/fake_telegram.hpp"
#include "servers/fake_telegram_params.hpp"

namespace vpnhub::servers {
namespace {

using fake_telegram_params::BoolParam;
using fake_telegram_params::CodePoints;
using fake_telegram_params::IntParam;
using fake_telegram_params::JsonParam;
using fake_telegram_params::StringParam;
using nlohmann::json;

constexpr char kQueryInvalid[] =
    "Bad Request: query is too old and response timeout expired or query ID is invalid";

}  // namespace

json PreCheckoutAnswer::ToJson() const {
  return json{{"query_id", query_id},
              {"user_id", user_id},
              {"ok", ok},
              {"error_message", error_message},
              {"latency_ms", latency_ms},
              {"in_time", in_time},
              {"status", status}};
}

json StarCharge::ToJson() const {
  return json{{"charge_id", charge_id},
              {"user_id", user_id},
              {"amount", amount},
              {"payload", payload},
              {"refunded", refunded}};
}

json FakeTelegram::InjectPreCheckout(std::int64_t user_id, const std::string& payload,
                                     std::int64_t total_amount, const std::string& currency,
                                     const std::string& language_code, bool queue) {
  json update;
  {
    std::lock_guard lock(mu_);
    // Telegram's query ids are decimal strings of a 64-bit number.
    const std::string id = std::to_string(4'000'000'000'000LL + next_payment_id_++);
    update = PreCheckoutUpdate(user_id, id, payload, total_amount, currency, language_code);
    pre_checkout_queries_[id] = PendingQuery{user_id, NowMs(), false};
    if (queue) update["update_id"] = PushUpdateLocked(update);
  }
  if (queue) updates_cv_.notify_all();
  return update;
}

json FakeTelegram::InjectSuccessfulPayment(std::int64_t user_id, const std::string& payload,
                                           std::int64_t total_amount, std::string charge_id,
                                           const std::string& currency, bool queue) {
  json update;
  {
    std::lock_guard lock(mu_);
    if (charge_id.empty()) charge_id = "stxFake" + std::to_string(next_payment_id_++);
    update = SuccessfulPaymentUpdate(user_id, payload, total_amount, charge_id, currency);
    charges_.try_emplace(charge_id, StarCharge{charge_id, user_id, total_amount, payload, false});
    if (queue) update["update_id"] = PushUpdateLocked(update);
  }
  if (queue) updates_cv_.notify_all();
  return update;
}

void FakeTelegram::SetPreCheckoutDeadline(std::chrono::milliseconds deadline) {
  std::lock_guard lock(mu_);
  pre_checkout_deadline_ms_ = deadline.count();
}

std::vector<PreCheckoutAnswer> FakeTelegram::PreCheckoutAnswers() const {
  std::lock_guard lock(mu_);
  return pre_checkout_answers_;
}

bool FakeTelegram::WaitForPreCheckoutAnswers(std::size_t n,
                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return calls_cv_.wait_for(lock, timeout, [&] { return pre_checkout_answers_.size() >= n; });
}

std::vector<StarCharge> FakeTelegram::StarCharges() const {
  std::lock_guard lock(mu_);
  std::vector<StarCharge> out;
  for (const auto& [id, charge] : charges_) out.push_back(charge);
  return out;
}

void FakeTelegram::ResetPaymentsLocked() {
  pre_checkout_queries_.clear();
  charges_.clear();
  pre_checkout_answers_.clear();
  pre_checkout_deadline_ms_ = 10000;
}

FakeTelegram::Reply FakeTelegram::SendInvoice(const json& params) {
  const auto chat_id = IntParam(params, "chat_id");
  if (!chat_id) return Error(400, "Bad Request: chat not found");
  const std::string title = StringParam(params, "title");
  const std::string description = StringParam(params, "description");
  const std::string payload = StringParam(params, "payload");
  if (CodePoints(title) < 1 || CodePoints(title) > 32) {
    return Error(400, "Bad Request: INVOICE_TITLE_INVALID");
  }
  if (CodePoints(description) < 1 || CodePoints(description) > 255) {
    return Error(400, "Bad Request: INVOICE_DESCRIPTION_INVALID");
  }
  if (payload.empty() || payload.size() > 128) {
    return Error(400, "Bad Request: INVOICE_PAYLOAD_INVALID");
  }
  if (StringParam(params, "currency") != "XTR") return Error(400, "Bad Request: CURRENCY_INVALID");
  // Stars: no payment provider, one price, no tips.
  const json prices = JsonParam(params, "prices");
  if (!StringParam(params, "provider_token").empty() || !prices.is_array() || prices.size() != 1 ||
      IntParam(params, "max_tip_amount").value_or(0) != 0) {
    return Error(400, "Bad Request: STARS_INVOICE_INVALID");
  }
  const json& price = prices[0];
  const auto amount = price.is_object() ? IntParam(price, "amount") : std::nullopt;
  if (!amount || *amount < 1 || StringParam(price, "label").empty()) {
    return Error(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID");
  }
  if (blocked_.count(*chat_id) != 0) return Error(403, "Forbidden: bot was blocked by the user");
  json message = NewMessage(*chat_id, "text", "", nullptr);
  message["invoice"] = json{{"title", title},
                            {"description", description},
                            {"start_parameter", StringParam(params, "start_parameter")},
                            {"currency", "XTR"},
                            {"total_amount", *amount}};
  return Reply{200, json{{"ok", true}, {"result", std::move(message)}}};
}

FakeTelegram::Reply FakeTelegram::AnswerPreCheckoutQuery(const json& params) {
  PreCheckoutAnswer answer;
  answer.query_id = StringParam(params, "pre_checkout_query_id");
  answer.ok = BoolParam(params, "ok");
  answer.error_message = StringParam(params, "error_message");
  Reply reply{200, json{{"ok", true}, {"result", true}}};
  const auto it = pre_checkout_queries_.find(answer.query_id);
  if (it != pre_checkout_queries_.end()) {
    answer.user_id = it->second.user_id;
    answer.latency_ms = NowMs() - it->second.injected_ms;
    answer.in_time = answer.latency_ms <= pre_checkout_deadline_ms_;
  }
  if (params.find("ok") == params.end()) {
    reply = Error(400, "Bad Request: parameter \"ok\" is required");
  } else if (!answer.ok && answer.error_message.empty()) {
    reply = Error(400, "Bad Request: ERROR_MESSAGE_EMPTY");
  } else if (it == pre_checkout_queries_.end() || it->second.answered || !answer.in_time) {
    reply = Error(400, kQueryInvalid);
  } else {
    it->second.answered = true;
  }
  answer.status = reply.status;
  pre_checkout_answers_.push_back(std::move(answer));
  return reply;
}

FakeTelegram::Reply FakeTelegram::RefundStarPayment(const json& params) {
  const auto user_id = IntParam(params, "user_id");
  const std::string charge_id = StringParam(params, "telegram_payment_charge_id");
  if (!user_id) return Error(400, "Bad Request: USER_ID_INVALID");
  const auto it = charges_.find(charge_id);
  if (it == charges_.end() || it->second.user_id != *user_id) {
    return Error(400, "Bad Request: CHARGE_NOT_FOUND");
  }
  if (it->second.refunded) return Error(400, "Bad Request: CHARGE_ALREADY_REFUNDED");
  it->second.refunded = true;
  return Reply{200, json{{"ok", true}, {"result", true}}};
}

}  // namespace vpnhub::servers
