#pragma once
// Telegram Stars: the person pays the bot in Stars (currency XTR) inside Telegram, so the provider
// needs nothing but the bot. The invoice is a sendInvoice into the person's chat whose payload is
// the order id; Telegram then sends a pre_checkout_query (answered by the bot within 10 s after
// the core checked the order: ReadPreCheckout) and, once paid, a message with successful_payment
// (credited by its telegram_payment_charge_id: ConfirmationFromPayment). Telegram's own update
// channel authenticates both (the bot token, or the webhook's secret_token).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "payments/factory.hpp"
#include "telegram/bot_api_pool.hpp"
#include "telegram/types.hpp"

namespace vpnhub::payments::stars {

inline constexpr char kName[] = "stars";

// The spec providers.cpp registers: offered when the bot runs, TG_STARS is on and the tariffs
// have Stars prices (MONTH_COST_STARS).
ProviderSpec Spec();

// Thread-safe (each call takes its own BotApi from the pool).
class StarsProvider final : public ports::PaymentProvider {
 public:
  explicit StarsProvider(telegram::BotApiPool& api) : api_(api) {}

  std::string Name() const override { return kName; }
  std::string Currency() const override { return kStarsCurrency; }
  // sendInvoice to texts.chat_id: payload = the order id, one price = the order's amount in
  // Stars, empty provider token. Via::kSentInChat. kInvalidArgument (nothing sent) for an order
  // that is not in XTR or has no positive amount or id; kUnavailable when Telegram cannot be
  // reached or rate-limits (429); kPermissionDenied when the person blocked the bot; Telegram's
  // other refusals as BotApi classifies them.
  Result<ports::InvoiceRequest> CreateInvoice(const Order& order,
                                              const ports::InvoiceTexts& texts) override;
  // refundStarPayment(payer_tg_id, payment.provider_payment_id). kInvalidArgument (nothing sent)
  // for a payment of another provider or without a charge id or payer; kFailedPrecondition when
  // Telegram refuses (a charge it does not know, or refunded already); kUnavailable when it
  // cannot be reached or rate-limits.
  Status Refund(const Payment& payment, TgId payer_tg_id) override;

 private:
  telegram::BotApiPool& api_;
};

// The order id an invoice payload names: the decimal digits of a positive id, nothing else (no
// sign, no blank, no leading zero). nullopt for anything else.
std::optional<Id> OrderIdFromPayload(std::string_view payload);

// A message's successful_payment, from `payer` (the message's sender), as the confirmation the
// core credits: provider "stars", provider_payment_id = telegram_payment_charge_id. The core
// still compares amount and currency with the order. kInvalidArgument, with the reason, when
// the currency is not XTR, the payload is not an order id, the amount is not positive, the charge
// id is empty or the payer unknown (0): such a payment is never credited.
Result<ports::PaymentConfirmation> ConfirmationFromPayment(const telegram::SuccessfulPayment& p,
                                                           TgId payer);

// What a pre_checkout_query asks the core to check before Telegram takes the Stars.
struct PreCheckout {
  std::string query_id;  // for BotApi::AnswerPreCheckoutQuery
  TgId payer = 0;
  std::string language_code;  // the payer's, for the refusal's text
  Id order_id = 0;
  std::int64_t total_amount = 0;
  std::string currency;
};

// kInvalidArgument when the payload is not an order id or the currency is not XTR: answer
// ok=false without asking the core (it is no invoice of ours).
Result<PreCheckout> ReadPreCheckout(const telegram::PreCheckoutQuery& q);

}  // namespace vpnhub::payments::stars
