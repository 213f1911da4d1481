#include "payments/stars/stars_provider.hpp"

#include <memory>
#include <utility>

namespace vpnhub::payments::stars {
namespace {

// The port's words for what Telegram said: a 429 is "cannot take it now", like a network failure.
Status Classified(const Status& st, const char* what) {
  const StatusCode code =
      st.code() == StatusCode::kResourceExhausted ? StatusCode::kUnavailable : st.code();
  return Status(code, std::string("stars ") + what + ": " + st.message());
}

}  // namespace

ProviderSpec Spec() {
  ProviderSpec spec;
  spec.name = kName;
  spec.missing = [](const ProvidersConfig& config, const ProviderDeps& deps) -> std::string {
    if (!config.stars_enabled) return "TG_STARS=off";
    if (deps.bot_api == nullptr) return "the bot is disabled (TG_TOKEN is empty)";
    if (!config.stars_prices_configured) return "MONTH_COST_STARS is empty";
    return "";
  };
  spec.make = [](const ProvidersConfig&, const ProviderDeps& deps) -> std::unique_ptr<ports::PaymentProvider> {
    return std::make_unique<StarsProvider>(*deps.bot_api);
  };
  return spec;
}

Result<ports::InvoiceRequest> StarsProvider::CreateInvoice(const Order& order,
                                                           const ports::InvoiceTexts& texts) {
  if (order.currency != kStarsCurrency || order.amount < 1 || order.id < 1) {
    return InvalidArgument("stars invoice: order " + std::to_string(order.id) +
                           " is not a positive amount of XTR (" + std::to_string(order.amount) +
                           " " + order.currency + ")");
  }
  telegram::SendInvoiceRequest request;
  request.chat_id = texts.chat_id;
  request.title = texts.title;
  request.description = texts.description;
  request.payload = std::to_string(order.id);
  request.currency = kStarsCurrency;
  request.label = texts.label;
  request.amount = order.amount;
  const Status st =
      api_.With([&](telegram::BotApi& api) { return api.SendInvoice(request).status(); });
  if (!st.ok()) return Classified(st, "invoice");
  return ports::InvoiceRequest{ports::InvoiceRequest::Via::kSentInChat, "", ""};
}

Status StarsProvider::Refund(const Payment& payment, TgId payer_tg_id) {
  if (payment.provider != kName || payment.provider_payment_id.empty() || payer_tg_id == 0) {
    return InvalidArgument("stars refund: payment " + std::to_string(payment.id) +
                           " is not a Stars payment with a charge id and a payer");
  }
  const Status st = api_.With([&](telegram::BotApi& api) {
    return api.RefundStarPayment(payer_tg_id, payment.provider_payment_id);
  });
  if (st.ok()) return st;
  if (st.code() == StatusCode::kInvalidArgument) {
    return FailedPrecondition("stars refund: Telegram refused it: " + st.message());
  }
  return Classified(st, "refund");
}

std::optional<Id> OrderIdFromPayload(std::string_view payload) {
  // At most 18 digits: always below 2^63.
  if (payload.empty() || payload.size() > 18 || payload.front() == '0') return std::nullopt;
  Id id = 0;
  for (char c : payload) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

Result<ports::PaymentConfirmation> ConfirmationFromPayment(const telegram::SuccessfulPayment& p,
                                                           TgId payer) {
  if (p.currency != kStarsCurrency) {
    return InvalidArgument("stars payment in " + p.currency + ", not XTR");
  }
  const auto order_id = OrderIdFromPayload(p.invoice_payload);
  if (!order_id) {
    return InvalidArgument("stars payment payload '" + p.invoice_payload + "' is not an order id");
  }
  if (p.total_amount < 1) return InvalidArgument("stars payment of no Stars");
  if (p.telegram_payment_charge_id.empty()) {
    return InvalidArgument("stars payment without telegram_payment_charge_id");
  }
  if (payer == 0) return InvalidArgument("stars payment from nobody");
  ports::PaymentConfirmation c;
  c.provider = kName;
  c.provider_payment_id = p.telegram_payment_charge_id;
  c.order_id = *order_id;
  c.payer_tg_id = payer;
  c.amount = p.total_amount;
  c.currency = p.currency;
  c.raw_reference = "telegram_payment_charge_id=" + p.telegram_payment_charge_id;
  if (!p.provider_payment_charge_id.empty()) {
    c.raw_reference += " provider_payment_charge_id=" + p.provider_payment_charge_id;
  }
  return c;
}

Result<PreCheckout> ReadPreCheckout(const telegram::PreCheckoutQuery& q) {
  if (q.currency != kStarsCurrency) {
    return InvalidArgument("stars pre-checkout in " + q.currency + ", not XTR");
  }
  const auto order_id = OrderIdFromPayload(q.invoice_payload);
  if (!order_id) {
    return InvalidArgument("stars pre-checkout payload '" + q.invoice_payload +
                           "' is not an order id");
  }
  PreCheckout out;
  out.query_id = q.id;
  out.payer = q.from.id;
  out.language_code = q.from.language_code;
  out.order_id = *order_id;
  out.total_amount = q.total_amount;
  out.currency = q.currency;
  return out;
}

}  // namespace vpnhub::payments::stars
