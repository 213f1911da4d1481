#pragma once
// The invoices the payment providers over HTTP made for orders, and the reconciliation job's
// schedule of asking the providers about them (ports::InvoiceStore).
#include <optional>
#include <string>
#include <vector>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

// Reached through StoreTx::invoices(); valid only inside the transaction that handed it out, not
// thread-safe. Errors as BillingStore's.
class InvoiceStore {
 public:
  virtual ~InvoiceStore() = default;

  // Records the invoice made for a created order: invoice_ref, invoice_url, checks = 0 and
  // next_check_at (updated_at = now). kConflict when the order is no longer created (paid or
  // expired meanwhile: the invoice is not recorded), kNotFound when absent.
  virtual Status SetOrderInvoice(Id id, const std::string& invoice_ref,
                                 const std::string& invoice_url, std::optional<Time> next_check_at,
                                 Time now) = 0;
  // Up to `limit` orders in state created or expired whose next_check_at <= now, soonest first:
  // the invoices the reconciliation job asks about. O(result) through an index on next_check_at
  // (orders never asked about have none).
  virtual Result<std::vector<Order>> DueOrderChecks(Time now, int limit) = 0;
  // After the job asked about the order: checks and next_check_at (nullopt = stop asking);
  // updated_at = now. kNotFound when absent.
  virtual Status SetOrderCheck(Id id, int checks, std::optional<Time> next_check_at, Time now) = 0;
};

}  // namespace vpnhub::ports
