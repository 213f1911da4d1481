#include "payments/cryptomus/cryptomus_provider.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "payments/common/amount.hpp"
#include "payments/cryptomus/invoice.hpp"
#include "payments/cryptomus/php_json.hpp"

namespace vpnhub::payments::cryptomus {
namespace {

using nlohmann::ordered_json;

constexpr std::int64_t kMinLifetimeSec = 300;
constexpr std::int64_t kMaxLifetimeSec = 43200;

// The API's reason for refusing (state 1): its message, or the names of the fields it rejected.
std::string Refusal(const ordered_json& answer) {
  const auto message = answer.find("message");
  if (message != answer.end() && message->is_string()) {
    return message->get<std::string>().substr(0, 200);
  }
  const auto errors = answer.find("errors");
  if (errors != answer.end() && errors->is_object()) {
    std::string fields;
    for (const auto& item : errors->items()) fields += (fields.empty() ? "" : ", ") + item.key();
    return "rejected fields: " + fields.substr(0, 200);
  }
  return "refused";
}

bool IsHttpUrl(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

}  // namespace

CryptomusProvider::CryptomusProvider(Settings settings, HttpClient& http, Now now)
    : settings_(std::move(settings)), http_(http), now_(std::move(now)) {}

Result<ordered_json> CryptomusProvider::Call(std::string_view what, const std::string& path,
                                             const std::string& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.api_url + path;
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"merchant", settings_.merchant_uuid},
                     {"sign", RequestSign(body, settings_.key)}};
  request.body = body;
  Result<HttpResponse> response = http_.Send(settings_.name, request);
  if (!response.ok()) return response.status();
  const std::string where = settings_.name + ": " + std::string(what);
  std::optional<ordered_json> answer = ParseOrdered(response->body);
  const bool enveloped = answer && answer->is_object() && answer->contains("state");
  if (response->status == 422 ||
      (response->status == 200 && enveloped && (*answer)["state"] != 0)) {
    return FailedPrecondition(where + ": " + (enveloped ? Refusal(*answer) : "refused"));
  }
  if (response->status < 200 || response->status > 299) return HttpError(where, *response);
  if (!enveloped || !(*answer)["result"].is_object()) {
    return Unavailable(where + ": an answer without a result object");
  }
  return std::move((*answer)["result"]);
}

Result<ports::InvoiceRequest> CryptomusProvider::CreateInvoice(const Order& order,
                                                               const ports::InvoiceTexts&) {
  if (order.currency != settings_.currency || order.amount < 1 || order.id < 1) {
    return InvalidArgument(settings_.name + " invoice: order " + std::to_string(order.id) +
                           " is not a positive amount of " + settings_.currency);
  }
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(order.expires_at - now_());
  ordered_json body;
  body["amount"] = TwoDecimals(order.amount);
  body["currency"] = order.currency;
  body["order_id"] = InvoiceOrderId(order.id);
  body["url_callback"] = settings_.callback_url;
  if (!settings_.return_url.empty()) {
    body["url_return"] = settings_.return_url;
    body["url_success"] = settings_.return_url;
  }
  body["lifetime"] = std::clamp<std::int64_t>(left.count(), kMinLifetimeSec, kMaxLifetimeSec);
  body["is_payment_multiple"] = false;
  Result<ordered_json> result = Call("create invoice", "/v1/payment", body.dump());
  if (!result.ok()) return result.status();
  const auto uuid = result->find("uuid");
  const auto url = result->find("url");
  if (uuid == result->end() || !uuid->is_string() || uuid->get<std::string>().empty() ||
      url == result->end() || !url->is_string() || !IsHttpUrl(url->get<std::string>())) {
    return Unavailable(settings_.name + ": create invoice: an answer without uuid and url");
  }
  return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, url->get<std::string>(),
                               uuid->get<std::string>()};
}

Status CryptomusProvider::Refund(const Payment& payment, TgId) {
  return FailedPrecondition(settings_.label + " cannot refund payment " +
                            payment.provider_payment_id +
                            " from here: a crypto refund needs the payer's wallet address, so "
                            "refund it in the " +
                            settings_.label + " dashboard");
}

Result<ports::NoticeVerdict> CryptomusProvider::ReadNotice(const ports::PaymentNotice& notice) {
  return ReadWebhook(notice.body, settings_.key, settings_.name);
}

Result<ports::PaymentCheck> CryptomusProvider::CheckOrder(const Order& order) {
  ordered_json body;
  if (order.invoice_ref.empty()) {
    body["order_id"] = InvoiceOrderId(order.id);
  } else {
    body["uuid"] = order.invoice_ref;
  }
  Result<ordered_json> result = Call("payment info", "/v1/payment/info", body.dump());
  if (!result.ok()) return result.status();
  InvoiceState state = ReadInvoice(*result, settings_.name);
  ports::PaymentCheck check;
  check.detail = state.detail;
  switch (state.kind) {
    case InvoiceState::Kind::kPaid:
      if (state.confirmation.order_id != order.id) {
        return FailedPrecondition(settings_.name + ": invoice " + order.invoice_ref +
                                  " names order " + std::to_string(state.confirmation.order_id) +
                                  ", not " + std::to_string(order.id));
      }
      check.kind = ports::PaymentCheck::Kind::kPaid;
      check.confirmation = std::move(state.confirmation);
      return check;
    case InvoiceState::Kind::kClosed:
      check.kind = ports::PaymentCheck::Kind::kClosed;
      return check;
    case InvoiceState::Kind::kOpen:
      check.kind = ports::PaymentCheck::Kind::kPending;
      return check;
    case InvoiceState::Kind::kNotOurs:
      return FailedPrecondition(settings_.name + ": payment info: " + state.detail);
    default:
      return Unavailable(settings_.name + ": payment info: " + state.detail);
  }
}

}  // namespace vpnhub::payments::cryptomus
