#pragma once
// YooMoney wallet (https://yoomoney.ru/docs/): the quickpay link a person pays through, the HTTP
// notification it sends for an incoming transfer (form fields signed by sha1_hash with the
// wallet's notification secret), and the operation-history answer the reconciliation reads. Free
// functions over plain types, so the unit tests see every field without a network.
#include <optional>
#include <string>
#include <string_view>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/ports/payment_provider.hpp"
#include "core/status.hpp"
#include "payments/yoomoney/form.hpp"

namespace vpnhub::payments::yoomoney {

inline constexpr char kName[] = "yoomoney";

// <api_url>/quickpay/confirm?receiver=<wallet>&quickpay-form=button&paymentType=AC&sum=<299.00>
// &label=<order id>&successURL=<return_url> (every value URL-encoded; successURL left out when
// empty). The person's bank card (AC) is charged `sum`.
std::string QuickpayUrl(std::string_view api_url, std::string_view wallet, const Order& order,
                        std::string_view return_url);

// The string sha1_hash is computed over: notification_type&operation_id&amount&currency&datetime
// &sender&codepro&<secret>&label, each value as received (decoded). nullopt when one is missing.
std::optional<std::string> CheckString(const FormFields& fields, std::string_view secret);

// Amounts in hundredths ("300.00" -> 30000, "300" -> 30000, "300.5" -> 30050); nullopt for
// anything but digits with at most two fraction digits, or past 10^15 units.
std::optional<std::int64_t> Cents(std::string_view decimal);

// What a notification (the raw form body) proves, given the wallet's notification secret:
//   kMalformed     not a form, or a field of the signed string missing;
//   kBadSignature  sha1_hash is not the hash of the signed string (compared in constant time);
//   kIgnored       authentic but not a payment for an order: unaccepted=true, codepro=true, a
//                  label that is not an order id, no readable amount;
//   kPaid          provider_payment_id = operation_id, order_id = label, amount = whole units of
//                  withdraw_amount (what the person paid; amount is what the wallet got, after
//                  YooMoney's fee), currency 643 -> "RUB".
// withdraw_amount is not signed: it is believed only between the signed amount and the signed
// amount plus a 5% fee (YooMoney takes 1-3%); otherwise the signed amount is reported, which the
// core records as a mismatch.
ports::NoticeVerdict ReadNotification(std::string_view body, std::string_view secret);

// ISO 4217 letters of a numeric code YooMoney sends ("643" -> "RUB"); the code itself otherwise.
std::string CurrencyLetters(std::string_view numeric);

// The operation-history answer (JSON) for label=<order id>, type=deposition: kPaid for the first
// operation with status "success", direction "in" and label = the order's id (its operation_id and
// amount: what the wallet received), kPending when there is none. kInvalidArgument for a body
// that is not the documented answer, kPermissionDenied for {"error":"..."} about the token.
Result<ports::PaymentCheck> CheckFromHistory(std::string_view body, const Order& order);

}  // namespace vpnhub::payments::yoomoney
