#include "payments/wata/wata_provider.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "payments/common/amount.hpp"
#include "payments/common/crypto.hpp"
#include "payments/common/iso_time.hpp"
#include "payments/common/notice_fields.hpp"
#include "payments/common/order_ref.hpp"
#include "payments/wata/wata_json.hpp"

namespace vpnhub::payments::wata {
namespace {

using nlohmann::json;
using ports::NoticeVerdict;
using ports::PaymentCheck;

constexpr auto kMinLinkLife = std::chrono::minutes(11);  // WATA's minimum is 10 minutes
constexpr auto kMaxLinkLife = std::chrono::hours(24 * 30);
constexpr std::size_t kMaxErrorText = 200;

// A link id or transaction id as it may go into a path: a uuid's characters only.
bool IsPathId(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
  });
}

// WATA's error answer: {"error":{"code":"Payment:PL_1001","message":"..."}} (§4.6).
Status Refusal(const std::string& what, const HttpResponse& response) {
  const json doc = json::parse(response.body, nullptr, false);
  std::string text;
  if (doc.is_object() && doc.contains("error")) {
    text = TextField(doc["error"], "code");
    const std::string message = TextField(doc["error"], "message");
    if (!message.empty()) text += (text.empty() ? "" : ": ") + message;
  }
  HttpResponse classified = response;
  if (classified.status >= 200 && classified.status < 300) classified.status = 400;
  const Status st = HttpError(what, classified);
  if (text.empty()) return st;
  return Status(st.code(), st.message() + " (" + text.substr(0, kMaxErrorText) + ")");
}

// A JSON object with `amount` first as a number of exactly two decimals ("amount":299.00), which
// nlohmann cannot write.
std::string WithAmount(std::int64_t units, const json& rest) {
  const std::string tail = rest.dump(-1, ' ', false, json::error_handler_t::replace);
  return "{\"amount\":" + TwoDecimals(units) + (tail == "{}" ? "}" : "," + tail.substr(1));
}

ProviderSpec MakeSpec(const char* name, const char* label, const char* token_var,
                      std::string meaning, bool declares_url) {
  ProviderSpec spec;
  spec.name = name;
  spec.variables = {{token_var, "", true, false, true, std::move(meaning)}};
  if (declares_url) {
    spec.variables.push_back({"WATA_API_URL", kDefaultApiUrl, false, true, false,
                              "WATA H2H API base URL, for both terminals (sandbox: "
                              "https://api-sandbox.wata.pro/api/h2h)"});
  }
  spec.missing = [](const ProvidersConfig&, const ProviderDeps& deps) -> std::string {
    return deps.http == nullptr ? "no HTTP client" : "";
  };
  spec.make = [name, label, token_var](
                  const ProvidersConfig& config,
                  const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    Options o;
    o.name = name;
    o.label = label;
    o.api_url = config.Get("WATA_API_URL");
    if (o.api_url.empty()) o.api_url = kDefaultApiUrl;
    while (!o.api_url.empty() && o.api_url.back() == '/') o.api_url.pop_back();
    o.token = config.Get(token_var);
    o.currency = config.currency;
    o.return_url = config.return_url;
    o.send = SendVia(deps.http, name);
    o.now = [] { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); };
    return std::make_unique<WataProvider>(std::move(o));
  };
  return spec;
}

}  // namespace

ProviderSpec CardSpec() {
  return MakeSpec(kCardName, "Card (WATA)", "WATA_TOKEN_CARD",
                  "WATA access token of the card terminal (merchant.wata.pro, Terminals)", true);
}

ProviderSpec SbpSpec() {
  return MakeSpec(kSbpName, "SBP (WATA)", "WATA_TOKEN_SBP",
                  "WATA access token of the SBP terminal (merchant.wata.pro, Terminals)", false);
}

WataProvider::WataProvider(Options options) : options_(std::move(options)) {}

NoticeVerdict ReadTransaction(const json& t, const std::string& name) {
  using Kind = NoticeVerdict::Kind;
  // A webhook names the transaction transactionId/transactionStatus; GET /transactions id/status.
  const bool webhook = t.is_object() && t.contains("transactionStatus");
  const std::string id = TextField(t, webhook ? "transactionId" : "id");
  const std::string status = TextField(t, webhook ? "transactionStatus" : "status");
  const std::string kind = TextField(t, "kind");
  if (id.empty() || status.empty() || kind.empty()) {
    return Verdict(Kind::kMalformed, "a transaction without id, status or kind");
  }
  if (kind != "Payment" || status != "Paid") {
    return Verdict(Kind::kIgnored, "transaction " + id.substr(0, 64) + ": " + kind.substr(0, 16) +
                                       " " + status.substr(0, 16));
  }
  const auto order_id = OrderIdFromText(TextField(t, "orderId"));
  if (!order_id) return Verdict(Kind::kIgnored, "transaction " + id + ": orderId is no order");
  const std::string currency = TextField(t, "currency");
  const auto amount = MoneyField(t, "amount");
  if (!IsCurrencyCode(currency) || !amount || id.size() > 64) {
    return Verdict(Kind::kMalformed, "transaction " + id.substr(0, 64) + ": no amount or currency");
  }
  std::string reference = "wata transaction " + id;
  const std::string link = TextField(t, "paymentLinkId");
  if (IsPathId(link)) reference += " link " + link;
  return PaidVerdict({name, id, *order_id, 0, *amount, currency, std::move(reference)},
                     "transaction " + id + " paid");
}

Result<json> WataProvider::Call(const std::string& what, HttpRequest request) const {
  request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  request.headers.emplace_back("Content-Type", "application/json");
  auto response = options_.send(request);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status > 299) return Refusal(what, *response);
  auto doc = ParseKeepingDecimals(response->body);
  if (!doc) return FailedPrecondition(what + ": an answer that is not JSON");
  return std::move(*doc);
}

Result<ports::InvoiceRequest> WataProvider::CreateInvoice(const Order& order,
                                                          const ports::InvoiceTexts& texts) {
  if (order.id < 1 || order.amount < 1 || !IsCurrencyCode(order.currency)) {
    return InvalidArgument(options_.name + " invoice: order " + std::to_string(order.id) +
                           " has no positive amount in a currency");
  }
  const Time now = options_.now();
  const Time expires = std::clamp<Time>(order.expires_at, now + kMinLinkLife, now + kMaxLinkLife);
  json rest = {{"currency", order.currency},
               {"description", texts.description.empty() ? texts.title : texts.description},
               {"orderId", std::to_string(order.id)},
               {"expirationDateTime", IsoUtc(expires)}};
  if (!options_.return_url.empty()) {
    rest["successRedirectUrl"] = options_.return_url;
    rest["failRedirectUrl"] = options_.return_url;
  }
  HttpRequest request;
  request.method = "POST";
  request.url = options_.api_url + "/links";
  request.body = WithAmount(order.amount, rest);
  auto link = Call(options_.name + ": create link", std::move(request));
  if (!link.ok()) return link.status();
  const std::string id = TextField(*link, "id");
  const std::string url = TextField(*link, "url");
  if (!IsPathId(id) || url.rfind("https://", 0) != 0) {
    return FailedPrecondition(options_.name + ": the link answer has no id or https url");
  }
  return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, url, id};
}

Status WataProvider::Refund(const Payment& payment, TgId) {
  if (payment.provider != options_.name || !IsPathId(payment.provider_payment_id) ||
      payment.amount < 1) {
    return InvalidArgument(options_.name + " refund: payment " + std::to_string(payment.id) +
                           " is not a WATA transaction with an amount");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = options_.api_url + "/transactions/refunds";
  request.body =
      WithAmount(payment.amount, json{{"originalTransactionId", payment.provider_payment_id}});
  auto answer = Call(options_.name + ": refund", std::move(request));
  if (!answer.ok()) return answer.status();
  const std::string status = TextField(*answer, "transactionStatus");
  if (status == "Declined") {
    return FailedPrecondition(options_.name + ": WATA declined the refund (" +
                              TextField(*answer, "errorCode").substr(0, 64) + ")");
  }
  return Status::Ok();
}

Status WataProvider::FetchKeyLocked() {
  Status st = FetchKey();
  if (!st.ok()) throttled_from_ = options_.now();
  return st;
}

Status WataProvider::FetchKey() {
  HttpRequest request;
  request.url = options_.api_url + "/public-key";
  request.timeout = std::chrono::seconds(5);
  auto response = options_.send(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return Unavailable(options_.name + ": public key: HTTP " + std::to_string(response->status));
  }
  const json doc = json::parse(response->body, nullptr, false);
  const std::string pem = TextField(doc, "value");
  if (!IsRsaPublicKey(pem)) return Unavailable(options_.name + ": public key is no RSA key");
  key_ = pem;
  return Status::Ok();
}

Result<bool> WataProvider::Verify(std::string_view body, std::string_view signature) {
  const auto may_fetch = [&] {
    return !throttled_from_ || options_.now() - *throttled_from_ >= kKeyRefetchEvery;
  };
  std::string key;
  {
    std::lock_guard lock(mu_);
    if (key_.empty()) {
      if (!may_fetch()) return Unavailable(options_.name + ": no public key yet");
      if (Status st = FetchKeyLocked(); !st.ok()) return st;
    }
    key = key_;
  }
  if (RsaSha512Verify(key, body, signature)) return true;
  {
    std::lock_guard lock(mu_);
    if (key_ == key) {  // nobody fetched meanwhile: the key may have rotated
      if (!may_fetch()) return false;
      throttled_from_ = options_.now();
      if (!FetchKeyLocked().ok()) return false;
    }
    key = key_;
  }
  return RsaSha512Verify(key, body, signature);
}

Result<ports::NoticeVerdict> WataProvider::ReadNotice(const ports::PaymentNotice& notice) {
  using Kind = NoticeVerdict::Kind;
  const auto signature = Base64Decode(notice.Header("X-Signature"));
  if (!signature || signature->empty()) return Verdict(Kind::kBadSignature, "no X-Signature");
  auto verified = Verify(notice.body, *signature);
  if (!verified.ok()) return verified.status();
  if (!*verified) return Verdict(Kind::kBadSignature, "X-Signature does not verify");
  const auto doc = ParseKeepingDecimals(notice.body);
  if (!doc || !doc->is_object()) return Verdict(Kind::kMalformed, "the body is no JSON object");
  return ReadTransaction(*doc, options_.name);
}

Result<ports::PaymentCheck> WataProvider::CheckOrder(const Order& order) {
  PaymentCheck check;
  HttpRequest search;
  search.url = options_.api_url + "/transactions?orderId=" + std::to_string(order.id);
  auto found = Call(options_.name + ": transactions", std::move(search));
  if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
  const json* items = nullptr;
  if (found.ok()) {
    items = found->is_array() ? &*found : nullptr;
    if (found->is_object() && found->contains("items")) items = &(*found)["items"];
    if (items != nullptr && !items->is_array()) items = nullptr;
  }
  for (const json& t : items != nullptr ? *items : json::array()) {
    const NoticeVerdict v = ReadTransaction(t, options_.name);
    if (v.kind == NoticeVerdict::Kind::kPaid && v.confirmation.order_id == order.id) {
      check.kind = PaymentCheck::Kind::kPaid;
      check.confirmation = v.confirmation;
      check.detail = v.detail;
      return check;
    }
  }
  if (!IsPathId(order.invoice_ref)) {
    check.detail = "no paid transaction, no link";
    return check;
  }
  HttpRequest link;
  link.url = options_.api_url + "/links/" + order.invoice_ref;
  auto answer = Call(options_.name + ": link", std::move(link));
  if (!answer.ok() && answer.status().code() != StatusCode::kNotFound) return answer.status();
  const std::string status = answer.ok() ? TextField(*answer, "status") : "gone";
  check.detail = "link " + order.invoice_ref + " " + status.substr(0, 16);
  // A closed link (paid or expired) or a gone one (deleted after its expiry) is over only when
  // the search showed no paid transaction; without the search, ask until the order expires.
  if (status != "Opened" && items != nullptr) check.kind = PaymentCheck::Kind::kClosed;
  if (items == nullptr) check.detail += ", no transaction search";
  return check;
}

}  // namespace vpnhub::payments::wata
