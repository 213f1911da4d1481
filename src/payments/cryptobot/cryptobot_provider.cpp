#include "payments/cryptobot/cryptobot_provider.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <utility>

#include "payments/common/amount.hpp"
#include "payments/common/crypto.hpp"
#include "payments/common/iso_time.hpp"
#include "payments/common/notice_fields.hpp"
#include "payments/common/order_ref.hpp"

namespace vpnhub::payments::cryptobot {
namespace {

using nlohmann::json;
using ports::NoticeVerdict;
using ports::PaymentCheck;

constexpr auto kStaleAfter = std::chrono::hours(24);
constexpr std::int64_t kMinExpiresSec = 60;
constexpr std::int64_t kMaxExpiresSec = 2678400;  // Crypto Pay's limit: 31 days
constexpr std::size_t kMaxDescription = 1024;

const json* Field(const json& object, const char* name, json::value_t type) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  if (it == object.end() || it->type() != type) return nullptr;
  return &*it;
}

// Crypto Pay's ok:false answer: {"ok":false,"error":{"code":400,"name":"..."}}.
Status Refusal(const std::string& what, const HttpResponse& response) {
  const json doc = json::parse(response.body, nullptr, false);
  std::string name;
  std::int64_t code = response.status;
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    name = TextField(doc["error"], "name");
    if (const json* c = Field(doc["error"], "code", json::value_t::number_unsigned)) {
      code = c->get<std::int64_t>();
    }
  }
  HttpResponse classified = response;
  classified.status = static_cast<int>(code);
  if (code >= 200 && code < 300) classified.status = 400;
  const Status st = HttpError(what, classified);
  return Status(st.code(), st.message() + (name.empty() ? "" : " (" + name + ")"));
}

// hex(HMAC-SHA256(key, body)) against the header's hex, whatever its case, in constant time.
bool MatchesWithKey(std::string_view key, std::string_view body, std::string_view signature) {
  if (signature.empty()) return false;
  std::string lower(signature);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ConstantTimeEquals(ToHex(HmacSha256(key, body)), lower);
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

ProviderSpec Spec() {
  ProviderSpec spec;
  spec.name = kName;
  spec.variables = {
      {"CRYPTO_BOT_API", "", true, false, true,
       "CryptoBot (Crypto Pay) app token from @CryptoBot: Crypto Pay, My Apps"},
      {"CRYPTO_BOT_API_URL", "https://pay.crypt.bot/api", false, true, false,
       "Crypto Pay API base URL (testnet: https://testnet-pay.crypt.bot/api)"},
  };
  spec.missing = [](const ProvidersConfig&, const ProviderDeps& deps) -> std::string {
    return deps.http == nullptr ? "no HTTP client" : "";
  };
  spec.make = [](const ProvidersConfig& config,
                 const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    Options o;
    o.api_url = config.Get("CRYPTO_BOT_API_URL");
    if (o.api_url.empty()) o.api_url = "https://pay.crypt.bot/api";
    while (!o.api_url.empty() && o.api_url.back() == '/') o.api_url.pop_back();
    o.token = config.Get("CRYPTO_BOT_API");
    o.currency = config.currency;
    o.send = SendVia(deps.http, kName);
    o.now = [] { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); };
    return std::make_unique<CryptoBotProvider>(std::move(o));
  };
  return spec;
}

CryptoBotProvider::CryptoBotProvider(Options options)
    : options_(std::move(options)), signing_key_(Sha256(options_.token)) {}

bool SignatureMatches(std::string_view token, std::string_view body, std::string_view signature) {
  return MatchesWithKey(Sha256(token), body, signature);
}

NoticeVerdict ReadInvoice(const json& invoice) {
  using Kind = NoticeVerdict::Kind;
  const json* id = Field(invoice, "invoice_id", json::value_t::number_unsigned);
  const std::string status = TextField(invoice, "status");
  if (id == nullptr || id->get<std::uint64_t>() == 0 || status.empty()) {
    return Verdict(Kind::kMalformed, "an invoice without invoice_id or status");
  }
  const std::string invoice_id = std::to_string(id->get<std::uint64_t>());
  if (status != "paid") return Verdict(Kind::kIgnored, "invoice " + invoice_id + " is " + status);
  const auto order_id = OrderIdFromText(TextField(invoice, "payload"));
  if (!order_id) return Verdict(Kind::kIgnored, "invoice " + invoice_id + ": payload is no order");
  if (TextField(invoice, "currency_type") != "fiat") {
    return Verdict(Kind::kIgnored, "invoice " + invoice_id + " is not priced in fiat");
  }
  const std::string fiat = TextField(invoice, "fiat");
  const auto amount = WholeUnits(TextField(invoice, "amount"));
  if (!IsCurrencyCode(fiat) || !amount) {
    return Verdict(Kind::kMalformed, "invoice " + invoice_id + ": no fiat amount");
  }
  std::string reference = "cryptobot invoice " + invoice_id;
  const std::string asset = TextField(invoice, "paid_asset");
  if (!asset.empty() && asset.size() <= 16) reference += " paid in " + asset;
  return PaidVerdict({kName, invoice_id, *order_id, 0, *amount, fiat, std::move(reference)},
                     "invoice " + invoice_id + " paid");
}

Result<std::string> CryptoBotProvider::Call(const std::string& what, HttpRequest request) const {
  request.headers.emplace_back("Crypto-Pay-API-Token", options_.token);
  auto response = options_.send(request);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status > 299) return Refusal(what, *response);
  const json doc = json::parse(response->body, nullptr, false);
  const json* ok = Field(doc, "ok", json::value_t::boolean);
  if (ok == nullptr || !ok->get<bool>()) return Refusal(what, *response);
  if (!doc.contains("result")) return FailedPrecondition(what + ": an answer without result");
  return doc["result"].dump();
}

Result<ports::InvoiceRequest> CryptoBotProvider::CreateInvoice(const Order& order,
                                                               const ports::InvoiceTexts& texts) {
  if (order.id < 1 || order.amount < 1 || !IsCurrencyCode(order.currency)) {
    return InvalidArgument("cryptobot invoice: order " + std::to_string(order.id) +
                           " has no positive amount in a currency");
  }
  const auto left =
      std::chrono::duration_cast<std::chrono::seconds>(order.expires_at - options_.now());
  const std::int64_t expires_in =
      std::clamp<std::int64_t>(left.count(), kMinExpiresSec, kMaxExpiresSec);
  json body = {{"currency_type", "fiat"},
               {"fiat", order.currency},
               {"amount", TwoDecimals(order.amount)},
               {"payload", std::to_string(order.id)},
               {"expires_in", expires_in}};
  const std::string description = texts.description.substr(0, kMaxDescription);
  if (!description.empty()) body["description"] = description;
  HttpRequest request;
  request.method = "POST";
  request.url = options_.api_url + "/createInvoice";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  auto result = Call("cryptobot: createInvoice", std::move(request));
  if (!result.ok()) return result.status();
  const json invoice = json::parse(*result, nullptr, false);
  const json* id = Field(invoice, "invoice_id", json::value_t::number_unsigned);
  std::string url = TextField(invoice, "bot_invoice_url");
  if (url.empty()) url = TextField(invoice, "pay_url");  // before API 1.4
  if (id == nullptr || url.rfind("https://", 0) != 0) {
    return FailedPrecondition("cryptobot: createInvoice answered no invoice_id or link");
  }
  return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, url,
                               std::to_string(id->get<std::uint64_t>())};
}

Status CryptoBotProvider::Refund(const Payment& payment, TgId) {
  return FailedPrecondition("cryptobot: Crypto Pay has no refunds; transfer payment " +
                            std::to_string(payment.id) + " back by hand in @CryptoBot");
}

Result<ports::NoticeVerdict> CryptoBotProvider::ReadNotice(const ports::PaymentNotice& notice) {
  using Kind = NoticeVerdict::Kind;
  if (!MatchesWithKey(signing_key_, notice.body, notice.Header("crypto-pay-api-signature"))) {
    return Verdict(Kind::kBadSignature, "crypto-pay-api-signature does not match");
  }
  const json update = json::parse(notice.body, nullptr, false);
  const std::string type = TextField(update, "update_type");
  const auto date = ParseIsoUtc(TextField(update, "request_date"));
  if (type.empty() || !date) return Verdict(Kind::kMalformed, "no update_type or request_date");
  if (type != "invoice_paid") return Verdict(Kind::kIgnored, "update " + type);
  if (options_.now() - *date > kStaleAfter) {
    return Verdict(Kind::kIgnored, "a stale update (request_date " + IsoUtc(*date) + ")");
  }
  const json* invoice = Field(update, "payload", json::value_t::object);
  if (invoice == nullptr) return Verdict(Kind::kMalformed, "invoice_paid without an invoice");
  return ReadInvoice(*invoice);
}

Result<ports::PaymentCheck> CryptoBotProvider::CheckOrder(const Order& order) {
  PaymentCheck check;
  if (!AllDigits(order.invoice_ref)) {
    check.detail = "no invoice yet";
    return check;
  }
  HttpRequest request;
  request.url = options_.api_url + "/getInvoices?invoice_ids=" + order.invoice_ref;
  auto result = Call("cryptobot: getInvoices", std::move(request));
  if (!result.ok()) return result.status();
  const json doc = json::parse(*result, nullptr, false);
  // API 1.2+ wraps the list in {"items": [...]}; older answers were the array itself.
  const json* items = Field(doc, "items", json::value_t::array);
  if (items == nullptr && doc.is_array()) items = &doc;
  if (items == nullptr) return FailedPrecondition("cryptobot: getInvoices answered no items");
  for (const json& invoice : *items) {
    const json* id = Field(invoice, "invoice_id", json::value_t::number_unsigned);
    if (id == nullptr || std::to_string(id->get<std::uint64_t>()) != order.invoice_ref) continue;
    const std::string status = TextField(invoice, "status");
    const NoticeVerdict v = ReadInvoice(invoice);
    check.detail = v.detail;
    if (v.kind == NoticeVerdict::Kind::kPaid && v.confirmation.order_id != order.id) {
      // Our invoice_ref names an invoice whose payload is another order: never credit it here.
      check.kind = PaymentCheck::Kind::kClosed;
      check.detail = "invoice " + order.invoice_ref + " carries the payload of order " +
                     std::to_string(v.confirmation.order_id) + ", not " + std::to_string(order.id);
    } else if (v.kind == NoticeVerdict::Kind::kPaid) {
      check.kind = PaymentCheck::Kind::kPaid;
      check.confirmation = v.confirmation;
    } else if (status == "expired" || status == "paid") {
      check.kind = PaymentCheck::Kind::kClosed;  // paid but not readable as ours: stop asking
    }
    return check;
  }
  check.kind = PaymentCheck::Kind::kClosed;
  check.detail = "invoice " + order.invoice_ref + " is unknown to Crypto Pay";
  return check;
}

}  // namespace vpnhub::payments::cryptobot
