#include "payments/yookassa/yookassa_provider.hpp"

#include <utility>

namespace vpnhub::payments::yookassa {
namespace {

using Kind = ports::NoticeVerdict::Kind;

constexpr char kDefaultApiUrl[] = "https://api.yookassa.ru/v3";

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A payment id as a URL path segment: YooKassa's ids are UUID-like; anything else never reaches
// the API (a forged notice cannot steer our request elsewhere).
bool IsPlainId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

ports::NoticeVerdict Verdict(Kind kind, std::string detail) {
  ports::NoticeVerdict v;
  v.kind = kind;
  v.detail = std::move(detail);
  return v;
}

std::vector<ProviderVar> Variables() {
  return {
      {"YOOKASSA_SHOP_ID", "", false, false, true,
       "YooKassa shop id (shopId, under Integration - API keys in the merchant account)"},
      {"YOOKASSA_SECRET_KEY", "", true, false, true,
       "YooKassa secret key of that shop (test_... for a test shop)"},
      {"YOOKASSA_RECEIPT_EMAIL", "", false, false, false,
       "e-mail of the 54-FZ receipt sent with every YooKassa payment (one item, payment_subject "
       "service); empty = no receipt"},
      {"YOOKASSA_VAT_CODE", "1", false, false, false,
       "vat_code of that receipt item, 1..10 (YooKassa's table; 1 = no VAT)"},
      {"YOOKASSA_TRUSTED_IPS", "", false, false, false,
       "comma list of CIDRs YooKassa notifications must come from (others get 401); YooKassa "
       "publishes 185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.154.128/25,77.75.156.11,"
       "77.75.156.35,2a02:5180::/32; empty = any source (every notice is re-read from the API "
       "anyway)"},
      {"YOOKASSA_API_URL", kDefaultApiUrl, false, true, false, "YooKassa API base URL"},
  };
}

}  // namespace

ProviderSpec Spec() {
  ProviderSpec spec;
  spec.name = kName;
  spec.variables = Variables();
  spec.missing = [](const ProvidersConfig& config, const ProviderDeps& deps) -> std::string {
    if (deps.http == nullptr) return "no HTTP client";
    if (!TrustedIps::Parse(config.Get("YOOKASSA_TRUSTED_IPS")).ok()) {
      return "YOOKASSA_TRUSTED_IPS is not a comma list of CIDRs";
    }
    const std::string vat = config.Get("YOOKASSA_VAT_CODE");
    if (!vat.empty() &&
        (vat.size() > 2 || vat.find_first_not_of("0123456789") != std::string::npos ||
         std::stoi(vat) < 1 || std::stoi(vat) > 10)) {
      return "YOOKASSA_VAT_CODE is not 1..10";
    }
    return "";
  };
  spec.make = [](const ProvidersConfig& config,
                 const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    Settings s;
    const std::string url = config.Get("YOOKASSA_API_URL");
    s.api_url = WithoutTrailingSlash(url.empty() ? kDefaultApiUrl : url);
    s.shop_id = config.Get("YOOKASSA_SHOP_ID");
    s.secret_key = config.Get("YOOKASSA_SECRET_KEY");
    s.currency = config.currency;
    s.payment.return_url = config.return_url;
    s.payment.receipt_email = config.Get("YOOKASSA_RECEIPT_EMAIL");
    const std::string vat = config.Get("YOOKASSA_VAT_CODE");
    s.payment.vat_code = vat.empty() ? 1 : std::stoi(vat);
    s.trusted_ips = *TrustedIps::Parse(config.Get("YOOKASSA_TRUSTED_IPS"));
    return std::make_unique<YooKassaProvider>(std::move(s), *deps.http);
  };
  return spec;
}

HttpRequest YooKassaProvider::Request(std::string method, std::string path) const {
  HttpRequest r;
  r.method = std::move(method);
  r.url = settings_.api_url + path;
  r.headers = {{"Authorization", BasicAuth(settings_.shop_id, settings_.secret_key)}};
  return r;
}

Result<PaymentObject> YooKassaProvider::GetPayment(const std::string& id, const char* what) {
  if (!IsPlainId(id)) return NotFound(std::string(what) + ": not a payment id");
  VPNHUB_ASSIGN_OR_RETURN(HttpResponse response,
                          http_.Send(kName, Request("GET", "/payments/" + id)));
  if (response.status != 200) return HttpError(what, response);
  return ParsePayment(response.body);
}

Result<ports::InvoiceRequest> YooKassaProvider::CreateInvoice(const Order& order,
                                                              const ports::InvoiceTexts& texts) {
  if (order.id < 1 || order.amount < 1 || order.currency != settings_.currency) {
    return InvalidArgument("yookassa invoice: order " + std::to_string(order.id) +
                           " is not a positive amount of " + settings_.currency);
  }
  HttpRequest request = Request("POST", "/payments");
  request.headers.emplace_back("Idempotence-Key", PaymentIdempotenceKey(order.id));
  request.headers.emplace_back("Content-Type", "application/json");
  // A text that is not UTF-8 is sent with U+FFFD rather than thrown on.
  request.body = PaymentBody(order, texts.description, settings_.payment)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  VPNHUB_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(kName, request));
  if (response.status == 202) {
    return Unavailable("yookassa: create payment: HTTP 202, still processing");
  }
  if (response.status != 200) return HttpError("yookassa: create payment", response);
  auto payment = ParsePayment(response.body);
  if (!payment.ok()) return Unavailable(payment.status().message());
  if (payment->confirmation_url.empty()) {
    return Unavailable("yookassa: payment " + payment->id + " has no confirmation_url");
  }
  return ports::InvoiceRequest{ports::InvoiceRequest::Via::kPaymentLink, payment->confirmation_url,
                               payment->id};
}

Status YooKassaProvider::Refund(const Payment& payment, TgId) {
  if (payment.provider != kName || !IsPlainId(payment.provider_payment_id) || payment.amount < 1) {
    return InvalidArgument("yookassa refund: payment " + std::to_string(payment.id) +
                           " is not a YooKassa payment with an id and an amount");
  }
  HttpRequest request = Request("POST", "/refunds");
  request.headers.emplace_back("Idempotence-Key", RefundIdempotenceKey(payment));
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = RefundBody(payment).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  VPNHUB_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(kName, request));
  if (response.status == 202) return Unavailable("yookassa: refund: HTTP 202, still processing");
  if (response.status != 200) return HttpError("yookassa: refund", response);
  return Status::Ok();
}

Result<ports::NoticeVerdict> YooKassaProvider::ReadNotice(const ports::PaymentNotice& notice) {
  if (!settings_.trusted_ips.Contains(notice.remote_ip)) {
    return Verdict(Kind::kBadSignature,
                   "yookassa notice from " + notice.remote_ip + ", outside YOOKASSA_TRUSTED_IPS");
  }
  auto parsed = ParseNotification(notice.body);
  if (!parsed.ok()) return Verdict(Kind::kMalformed, parsed.status().message());
  if (parsed->event != "payment.succeeded") {
    return Verdict(Kind::kIgnored, "yookassa event " + parsed->event.substr(0, 64));
  }
  auto payment = GetPayment(parsed->object_id, "yookassa: read notified payment");
  if (payment.status().code() == StatusCode::kNotFound) {
    return Verdict(Kind::kBadSignature, "yookassa does not know the notified payment");
  }
  if (!payment.ok()) {
    if (payment.status().code() == StatusCode::kInvalidArgument) {
      return Unavailable(payment.status().message());  // an unreadable answer: ask again later
    }
    return payment.status();
  }
  return VerdictFromPayment(*payment, parsed->object_id);
}

Result<ports::PaymentCheck> YooKassaProvider::CheckOrder(const Order& order) {
  if (order.invoice_ref.empty()) {
    return FailedPrecondition("yookassa: order " + std::to_string(order.id) + " has no payment");
  }
  auto payment = GetPayment(order.invoice_ref, "yookassa: check payment");
  if (!payment.ok()) {
    if (payment.status().code() == StatusCode::kInvalidArgument) {
      return Unavailable(payment.status().message());
    }
    return payment.status();
  }
  return CheckFromPayment(*payment, order);
}

}  // namespace vpnhub::payments::yookassa
