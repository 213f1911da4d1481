// The router's part in a payment: the answer to Telegram's pre_checkout_query and crediting a
// message's successful_payment. The decisions are BillingService's; this file reads the update
// and answers.
#include <algorithm>
#include <string>
#include <thread>
#include <utility>

#include "bot/i18n/i18n.hpp"
#include "bot/router.hpp"
#include "metrics/registry.hpp"
#include "payments/stars/stars_provider.hpp"

namespace vpnhub::bot {
namespace {

void Inc(metrics::Counter* counter) {
  if (counter != nullptr) counter->Inc();
}

struct PreCheckoutReply {
  bool ok = false;
  std::string error_message;  // plain; required by Telegram when !ok
};

}  // namespace

void Router::HandlePreCheckout(const telegram::PreCheckoutQuery& query) {
  const std::string lang =
      i18n::LanguageFromTelegram(query.from.language_code, service_.settings().default_lang);
  PreCheckoutReply reply;
  reply.error_message =
      usecases::billing_texts::RefusalText(lang, usecases::billing_texts::Refusal::kNotFound);
  try {
    auto read = payments::stars::ReadPreCheckout(query);
    if (read.ok() && billing_ != nullptr) {
      auto answer = billing_->CheckPreCheckout(read->payer, read->order_id, read->total_amount,
                                               read->currency);
      if (answer.ok()) {
        reply.ok = answer->ok;
        reply.error_message = answer->ok ? "" : answer->refusal_text;
      } else {
        // Nothing could be checked: refuse rather than take Stars for an order nobody looked at.
        reply.error_message = i18n::T(lang, i18n::Text::kGenericError);
        Inc(errors_);
      }
    }
  } catch (...) {
    reply = {false, i18n::T(lang, i18n::Text::kGenericError)};
    Inc(errors_);
  }
  if (!reply.ok && reply.error_message.empty()) {
    reply.error_message = i18n::T(lang, i18n::Text::kGenericError);
  }
  if (!options_.answer_pre_checkout) return;
  try {
    options_.answer_pre_checkout(query.id, reply.ok, std::move(reply.error_message));
  } catch (...) {
    Inc(errors_);  // the wiring's job to log
  }
}

Status Router::HandlePayment(const telegram::Message& message) {
  const TgId payer = message.from ? message.from->id : 0;
  const telegram::SuccessfulPayment& paid = *message.successful_payment;
  auto report = [&](const std::string& error) {
    if (options_.payment_not_recorded)
      options_.payment_not_recorded(payer, paid.telegram_payment_charge_id, error);
  };
  auto confirmation = payments::stars::ConfirmationFromPayment(paid, payer);
  if (!confirmation.ok()) {
    report(confirmation.status().ToString());
    return confirmation.status();
  }
  if (billing_ == nullptr) {
    report("the bot sells nothing (no billing wired)");
    return FailedPrecondition("successful_payment without billing");
  }
  Status last;
  auto backoff = options_.payment_backoff;
  for (int attempt = 1; attempt <= std::max(1, options_.payment_attempts); ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    auto credited = billing_->ConfirmPayment(*confirmation);
    // Every outcome (credited, a replay, a mismatch, not fulfilled) was recorded and the person
    // told by the core.
    if (credited.ok()) {
      Inc(payments_.at(static_cast<std::size_t>(credited->outcome)));
      return Status::Ok();
    }
    last = credited.status();
    if (!last.retryable()) break;
  }
  report(last.ToString());
  return last;
}

}  // namespace vpnhub::bot
