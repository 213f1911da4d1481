#include "storage/copy/copy_db.hpp"

namespace vpnhub::storage::copy {

std::string QuoteIdentifier(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ColumnList(const TableSpec& table) {
  std::string list;
  for (const auto& column : table.columns) {
    if (!list.empty()) list += ", ";
    list += QuoteIdentifier(column.name);
  }
  return list;
}

std::string SelectAll(const TableSpec& table) {
  std::string order;
  for (std::size_t c : table.order_by) {
    if (!order.empty()) order += ", ";
    order += QuoteIdentifier(table.columns[c].name);
  }
  return "SELECT " + ColumnList(table) + " FROM " + QuoteIdentifier(table.name) +
         (order.empty() ? "" : " ORDER BY " + order);
}

}  // namespace vpnhub::storage::copy
