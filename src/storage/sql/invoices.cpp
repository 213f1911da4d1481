// SqlInvoices: the invoices the providers over HTTP made for orders and the reconciliation job's
// schedule (ports::InvoiceStore, migration 0012).
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

// On the orders_next_check index (migration 0012), which holds only orders with a next check.
constexpr SqlText kDueOrderChecksSql(
    "SELECT " VPNHUB_ORDER_COLUMNS
    " FROM orders WHERE next_check_at IS NOT NULL AND next_check_at <= $1 AND state IN "
    "('created', 'expired') ORDER BY next_check_at LIMIT $2");

}  // namespace

Status SqlInvoices::SetOrderInvoice(Id id, const std::string& invoice_ref,
                                    const std::string& invoice_url,
                                    std::optional<Time> next_check_at, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetOrderInvoice"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(
          "UPDATE orders SET invoice_ref = $2, invoice_url = $3, checks = 0, "
          "next_check_at = $4, updated_at = $5 WHERE id = $1 AND state = 'created'",
          SqlParams().Int(id).Text(invoice_ref).Text(invoice_url).MsOrNull(next_check_at).Ms(now)));
  if (changed > 0) return Status::Ok();
  return s_.ExplainNoChange("orders", "order", id,
                            Conflict("order " + std::to_string(id) + " is not created"));
}

Result<std::vector<Order>> SqlInvoices::DueOrderChecks(Time now, int limit) {
  return s_.All<Order>(kDueOrderChecksSql, SqlParams().Ms(now).Int(NonNegative(limit)),
                       ReadOrderRow);
}

Status SqlInvoices::SetOrderCheck(Id id, int checks, std::optional<Time> next_check_at, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetOrderCheck"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify("UPDATE orders SET checks = $2, next_check_at = $3, updated_at = $4 WHERE id = $1",
                SqlParams().Int(id).Int(checks).MsOrNull(next_check_at).Ms(now)));
  if (changed > 0) return Status::Ok();
  return NotFound("order " + std::to_string(id) + " not found");
}

}  // namespace vpnhub::storage
