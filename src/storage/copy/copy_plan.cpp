#include "storage/copy/copy_plan.hpp"

#include <algorithm>

#include "core/enum_names.hpp"

namespace vpnhub::storage::copy {
namespace {

constexpr NameTable<ColumnType, 3> kTypeNames = {
    {ColumnType::kInt, "integers"}, {ColumnType::kBool, "booleans"}, {ColumnType::kText, "text"}};

const char* TypeName(ColumnType type) { return NameIn(kTypeNames, type); }

bool IsSkipped(const std::string& table) {
  const auto& skipped = TablesNotCopied();
  return std::any_of(skipped.begin(), skipped.end(),
                     [&](const TableNotCopied& t) { return t.name == table; });
}

// Both sides must have the same columns; the plan keeps the source's order.
Result<TableSpec> MergeTable(const TableSpec& source, const TableSpec& target) {
  std::map<std::string, ColumnType> target_columns;
  for (const auto& column : target.columns) target_columns[column.name] = column.type;
  TableSpec merged = source;
  merged.identity = target.identity;
  merged.references.insert(target.references.begin(), target.references.end());
  merged.references.erase(merged.name);  // a self-reference orders rows, not tables
  for (auto& column : merged.columns) {
    const auto it = target_columns.find(column.name);
    if (it == target_columns.end()) {
      return FailedPrecondition("the source database has a column " + source.name + "." +
                                column.name + " that the target lacks");
    }
    const bool source_text = column.type == ColumnType::kText;
    const bool target_text = it->second == ColumnType::kText;
    if (source_text != target_text) {
      return FailedPrecondition("column " + source.name + "." + column.name + " holds " +
                                TypeName(column.type) + " in the source but " +
                                TypeName(it->second) + " in the target");
    }
    if (it->second == ColumnType::kBool) column.type = ColumnType::kBool;
    target_columns.erase(it);
  }
  if (!target_columns.empty()) {
    return FailedPrecondition("the target database has a column " + target.name + "." +
                              target_columns.begin()->first + " that the source lacks");
  }
  for (const auto& key : merged.primary_key) {
    for (std::size_t c = 0; c < merged.columns.size(); ++c) {
      if (merged.columns[c].name == key) merged.order_by.push_back(c);
    }
  }
  if (merged.order_by.size() != merged.primary_key.size() || merged.order_by.empty()) {
    merged.order_by.clear();
    for (std::size_t c = 0; c < merged.columns.size(); ++c) merged.order_by.push_back(c);
  }
  return merged;
}

// Kahn's algorithm, the smallest name first among the tables ready.
Result<std::vector<TableSpec>> InForeignKeyOrder(std::map<std::string, TableSpec> tables) {
  std::vector<TableSpec> ordered;
  std::set<std::string> done;
  while (!tables.empty()) {
    auto ready = std::find_if(tables.begin(), tables.end(), [&](const auto& entry) {
      return std::all_of(entry.second.references.begin(), entry.second.references.end(),
                         [&](const std::string& ref) { return done.count(ref) != 0; });
    });
    if (ready == tables.end()) {
      std::string names;
      for (const auto& [name, table] : tables) names += (names.empty() ? "" : ", ") + name;
      return FailedPrecondition("the foreign keys of tables " + names +
                                " form a cycle (or point to a table that is not copied); db copy "
                                "cannot order them");
    }
    done.insert(ready->first);
    ordered.push_back(std::move(ready->second));
    tables.erase(ready);
  }
  return ordered;
}

}  // namespace

const std::vector<TableNotCopied>& TablesNotCopied() {
  static const std::vector<TableNotCopied> kTables = {
      {"schema_migrations",
       "each store records the migrations it applied itself, when db copy opens it"},
      {"stat_counters",
       "counts the target's own triggers keep from the rows copied (migration 0007)"},
      {"stat_deltas", "PostgreSQL's pending changes to stat_counters, kept by the same triggers"},
      {"subscription_changes",
       "the subscription caches' change feed, filled by the target's own triggers (migration "
       "0017)"},
  };
  return kTables;
}

Result<std::vector<TableSpec>> PlanCopy(const Schema& source, const Schema& target) {
  std::map<std::string, TableSpec> tables;
  for (const auto& [name, table] : source) {
    if (IsSkipped(name)) continue;
    const auto other = target.find(name);
    if (other == target.end()) {
      return FailedPrecondition("the source database has a table '" + name +
                                "' that the target lacks (both must be at the same schema "
                                "version)");
    }
    VPNHUB_ASSIGN_OR_RETURN(auto merged, MergeTable(table, other->second));
    tables.emplace(name, std::move(merged));
  }
  for (const auto& [name, table] : target) {
    if (!IsSkipped(name) && source.count(name) == 0) {
      return FailedPrecondition("the target database has a table '" + name +
                                "' that the source lacks (both must be at the same schema "
                                "version)");
    }
  }
  return InForeignKeyOrder(std::move(tables));
}

}  // namespace vpnhub::storage::copy
