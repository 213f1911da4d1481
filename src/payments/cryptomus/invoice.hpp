#pragma once
// What a Cryptomus/Heleket invoice object says: the body of a webhook and the `result` of
// POST /v1/payment/info carry the same fields (uuid, order_id, amount, currency, status,
// is_final), read here once for both.
#include <nlohmann/json.hpp>
#include <string>

#include "core/ports/payment_provider.hpp"

namespace vpnhub::payments::cryptomus {

struct InvoiceState {
  enum class Kind {
    kPaid,       // paid or paid_over, final: `confirmation`
    kOpen,       // may still be paid (check, process, confirm_check, wrong_amount_waiting, ...)
    kClosed,     // will never be paid: cancel, fail, system_fail, wrong_amount
    kNotOurs,    // paid, but its order_id is not "vpnhub-<id>"
    kMalformed,  // a missing or mistyped field
  };
  Kind kind = Kind::kOpen;
  std::string status;
  ports::PaymentConfirmation confirmation;  // kPaid
  std::string detail;                       // for the log (no secret: invoices hold none)
};

// `invoice` read for provider `provider`. Never throws.
InvoiceState ReadInvoice(const nlohmann::ordered_json& invoice, const std::string& provider);

}  // namespace vpnhub::payments::cryptomus
