#include "payments/yoomoney/yoomoney_provider.hpp"

#include <utility>

namespace vpnhub::payments::yoomoney {
namespace {

constexpr char kDefaultApiUrl[] = "https://yoomoney.ru";

std::vector<ProviderVar> Variables() {
  return {
      {"YOOMONEY_WALLET", "", false, false, true,
       "YooMoney wallet number (41001...) the quickpay link pays into; RUB only"},
      {"YOOMONEY_NOTIFICATION_SECRET", "", true, false, true,
       "secret of the wallet's HTTP notifications (YooMoney's HTTP notification settings), which "
       "checks their sha1_hash"},
      {"YOOMONEY_TOKEN", "", true, false, false,
       "wallet OAuth token with the operation-history right, only to find a payment whose "
       "notification was lost; empty = the reconciliation job does not ask YooMoney, only "
       "notifications credit"},
      {"YOOMONEY_API_URL", kDefaultApiUrl, false, true, false,
       "YooMoney base URL (the quickpay form and the API)"},
  };
}

}  // namespace

ProviderSpec Spec() {
  ProviderSpec spec;
  spec.name = kName;
  spec.variables = Variables();
  spec.missing = [](const ProvidersConfig& config, const ProviderDeps& deps) -> std::string {
    if (deps.http == nullptr) return "no HTTP client";
    if (config.currency != "RUB") return "a YooMoney wallet takes RUB only (CURRENCY)";
    return "";
  };
  spec.make = [](const ProvidersConfig& config,
                 const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    Settings s;
    s.api_url = config.Get("YOOMONEY_API_URL");
    if (s.api_url.empty()) s.api_url = kDefaultApiUrl;
    while (!s.api_url.empty() && s.api_url.back() == '/') s.api_url.pop_back();
    s.wallet = config.Get("YOOMONEY_WALLET");
    s.notification_secret = config.Get("YOOMONEY_NOTIFICATION_SECRET");
    s.token = config.Get("YOOMONEY_TOKEN");
    s.currency = config.currency;
    s.return_url = config.return_url;
    return std::make_unique<YooMoneyProvider>(std::move(s), *deps.http);
  };
  return spec;
}

Result<ports::InvoiceRequest> YooMoneyProvider::CreateInvoice(const Order& order,
                                                              const ports::InvoiceTexts&) {
  if (order.id < 1 || order.amount < 1 || order.currency != "RUB") {
    return InvalidArgument("yoomoney invoice: order " + std::to_string(order.id) +
                           " is not a positive amount of RUB");
  }
  return ports::InvoiceRequest{
      ports::InvoiceRequest::Via::kPaymentLink,
      QuickpayUrl(settings_.api_url, settings_.wallet, order, settings_.return_url), ""};
}

Status YooMoneyProvider::Refund(const Payment&, TgId) {
  return FailedPrecondition(
      "YooMoney wallets cannot refund through the API; send the money back by hand");
}

Result<ports::NoticeVerdict> YooMoneyProvider::ReadNotice(const ports::PaymentNotice& notice) {
  return ReadNotification(notice.body, settings_.notification_secret);
}

Result<ports::PaymentCheck> YooMoneyProvider::CheckOrder(const Order& order) {
  if (settings_.token.empty()) {
    return FailedPrecondition("yoomoney: no YOOMONEY_TOKEN to read the operation history with");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.api_url + "/api/operation-history";
  request.headers = {{"Authorization", "Bearer " + settings_.token},
                     {"Content-Type", "application/x-www-form-urlencoded"}};
  request.body =
      EncodeForm({{"type", "deposition"}, {"label", std::to_string(order.id)}, {"records", "10"}});
  VPNHUB_ASSIGN_OR_RETURN(HttpResponse response, http_.Send(kName, request));
  if (response.status != 200) return HttpError("yoomoney: operation-history", response);
  auto check = CheckFromHistory(response.body, order);
  if (check.status().code() == StatusCode::kInvalidArgument) {
    return Unavailable(check.status().message());
  }
  return check;
}

}  // namespace vpnhub::payments::yoomoney
