#pragma once
// What the billing use cases tell people, in English and Russian: receipts, the mismatch notice,
// referral messages, invoice texts and pre-checkout refusals. The bot's catalogue
// (src/bot/i18n) is out of the core's reach, and these messages are made in the crediting
// transaction (MessageKind::kText), so the core renders them itself. Telegram HTML; every value
// put in is escaped. Pure functions: any thread.
#include <cstdint>
#include <string>

#include "core/billing.hpp"
#include "core/domain.hpp"

namespace vpnhub::usecases::billing_texts {

// "1 month" / "3 months"; "1 месяц" / "3 месяца" / "5 месяцев" (plain).
std::string Months(const std::string& lang, int months);
// "150 RUB", "250 ⭐" (plain).
std::string Amount(std::int64_t amount, const std::string& currency);

// After a credited payment. `expires` is the key's new end; `location` where the key is. An
// extension's receipt is a message of its own; the receipt of an order that made a new key
// (kNewKey, kSwitch) opens the key's message (ReceiptOfKey).
std::string Receipt(const std::string& lang, const Order& order, const std::string& location,
                    Time expires);
// The payment did not match its order: nothing credited, contact support.
std::string Mismatch(const std::string& lang, const std::string& provider_payment_id);
// The payment came but the order could not be carried out (location full, key gone): the
// money is recorded and support will settle it.
std::string NotFulfilled(const std::string& lang, Id order_id);
// A referrer's reward: `days` on their key (`expires` its new end), or kept as credit.
std::string ReferralReward(const std::string& lang, int days, bool as_credit, Time expires);
// A refund went through; `revoked` when the key had no time left.
std::string Refunded(const std::string& lang, const Payment& payment, bool revoked);
// A free location switch: the new key is being set up.
std::string SwitchStarted(const std::string& lang, const std::string& location);

// The invoice's title (<= 32 characters) and description (<= 255), plain.
std::string InvoiceTitle(const std::string& lang, const Order& order);
std::string InvoiceDescription(const std::string& lang, const Order& order,
                               const std::string& location);

// Why a pre-checkout query is refused, plain (Telegram shows it to the payer).
enum class Refusal { kNone, kNotFound, kNotYours, kNotPayable, kExpired, kAmountDiffers };
std::string RefusalText(const std::string& lang, Refusal refusal);

}  // namespace vpnhub::usecases::billing_texts
