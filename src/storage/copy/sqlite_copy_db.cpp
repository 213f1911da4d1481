// The SQLite side of db copy: its schema from sqlite_schema and the table PRAGMAs.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "storage/copy/copy_db.hpp"
#include "storage/sqlite/connection.hpp"

namespace vpnhub::storage::copy {
namespace {

// SQLite's affinity rules, reduced to what VPNHub's STRICT tables declare (INTEGER, TEXT) and a
// BOOLEAN a future table might.
std::optional<ColumnType> TypeOf(std::string declared) {
  for (char& c : declared) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (declared.find("INT") != std::string::npos) return ColumnType::kInt;
  if (declared.find("BOOL") != std::string::npos) return ColumnType::kBool;
  if (declared.find("TEXT") != std::string::npos || declared.find("CHAR") != std::string::npos ||
      declared.find("CLOB") != std::string::npos) {
    return ColumnType::kText;
  }
  return std::nullopt;
}

class SqliteCopyDb final : public CopyDb {
 public:
  explicit SqliteCopyDb(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
  ~SqliteCopyDb() override { Rollback(); }

  Result<Schema> Describe() override {
    VPNHUB_ASSIGN_OR_RETURN(
        auto names,
        Column("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"));
    Schema schema;
    for (const auto& name : names) {
      VPNHUB_ASSIGN_OR_RETURN(auto table, DescribeTable(name));
      schema.emplace(name, std::move(table));
    }
    return schema;
  }
  Status BeginRead() override { return conn_->Exec("BEGIN DEFERRED"); }
  Status BeginWrite(const std::vector<TableSpec>& /*tables*/) override {
    VPNHUB_RETURN_IF_ERROR(conn_->Exec("PRAGMA foreign_keys = ON"));
    return conn_->Exec("BEGIN IMMEDIATE");  // the one write lock of the whole database
  }
  Status Commit() override { return conn_->Exec("COMMIT"); }
  void Rollback() override {
    if (conn_->InTransaction()) (void)conn_->Exec("ROLLBACK");
  }
  Result<std::int64_t> Count(const TableSpec& table) override {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt, conn_->PrepareOnce("SELECT count(*) FROM " + QuoteIdentifier(table.name)));
    VPNHUB_RETURN_IF_ERROR(stmt->Step());
    return stmt->ColumnInt64(0);
  }
  Status Scan(const TableSpec& table,
              const std::function<Status(std::vector<Row>&)>& on_batch) override {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_->PrepareOnce(SelectAll(table)));
    Statement& s = *stmt;
    std::vector<Row> batch;
    batch.reserve(kReadBatchRows);
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(auto has_row, s.Step());
      if (!has_row) break;
      Row row(table.columns.size());
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        const int col = static_cast<int>(c);
        if (s.ColumnIsNull(col)) continue;
        // STRICT tables: an INTEGER column holds integers, a TEXT column text.
        Value& v = row[c];
        const ColumnSpec& spec = table.columns[c];
        if (spec.type == ColumnType::kText) {
          v.kind = Value::Kind::kText;
          v.s = s.ColumnText(col);
        } else {
          v.kind = Value::Kind::kInt;
          v.i = s.ColumnInt64(col);
          if (spec.type == ColumnType::kBool && v.i != 0 && v.i != 1) {
            return BadValue(table, spec, s, "a boolean other than 0/1");
          }
        }
      }
      batch.push_back(std::move(row));
      if (batch.size() == kReadBatchRows) {
        VPNHUB_RETURN_IF_ERROR(on_batch(batch));
        batch.clear();
      }
    }
    if (!batch.empty()) VPNHUB_RETURN_IF_ERROR(on_batch(batch));
    return Status::Ok();
  }
  Status Insert(const TableSpec& table, const std::vector<Row>& rows) override {
    std::string sql =
        "INSERT INTO " + QuoteIdentifier(table.name) + " (" + ColumnList(table) + ") VALUES (";
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      sql += (c == 0 ? "?" : ", ?") + std::to_string(c + 1);
    }
    sql += ")";
    for (const Row& row : rows) {
      VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare(sql));
      for (std::size_t c = 0; c < row.size(); ++c) {
        const int index = static_cast<int>(c) + 1;
        switch (row[c].kind) {
          case Value::Kind::kNull:
            stmt->BindNull(index);
            break;
          case Value::Kind::kInt:
            stmt->BindInt64(index, row[c].i);
            break;
          case Value::Kind::kText:
            stmt->BindText(index, row[c].s);
            break;
        }
      }
      VPNHUB_RETURN_IF_ERROR(stmt->Run());
    }
    return Status::Ok();
  }
  Status AfterTableCopied(const TableSpec& /*table*/) override {
    // INTEGER PRIMARY KEY without AUTOINCREMENT: new rows get max(id) + 1 by themselves.
    return Status::Ok();
  }

 private:
  Result<TableSpec> DescribeTable(const std::string& name) {
    TableSpec table;
    table.name = name;
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_->PrepareOnce("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid"));
    stmt->BindText(1, name);
    std::vector<std::pair<std::int64_t, std::string>> key;  // (position in the key, column)
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(auto has_row, stmt->Step());
      if (!has_row) break;
      ColumnSpec column{stmt->ColumnText(0), ColumnType::kText};
      const std::string declared = stmt->ColumnText(1);
      const auto type = TypeOf(declared);
      if (!type) {
        return FailedPrecondition("column " + name + "." + column.name + " has type '" + declared +
                                  "', which db copy cannot carry (integer, boolean or text)");
      }
      column.type = *type;
      if (const std::int64_t pk = stmt->ColumnInt64(2); pk > 0) key.emplace_back(pk, column.name);
      table.columns.push_back(std::move(column));
    }
    std::sort(key.begin(), key.end());
    for (auto& [position, column] : key) table.primary_key.push_back(std::move(column));
    VPNHUB_ASSIGN_OR_RETURN(
        auto refs,
        conn_->PrepareOnce("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)"));
    refs->BindText(1, name);
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(auto has_row, refs->Step());
      if (!has_row) break;
      table.references.insert(refs->ColumnText(0));
    }
    return table;
  }

  Result<std::vector<std::string>> Column(const std::string& sql) {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_->PrepareOnce(sql));
    std::vector<std::string> values;
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(auto has_row, stmt->Step());
      if (!has_row) break;
      values.push_back(stmt->ColumnText(0));
    }
    return values;
  }

  Status BadValue(const TableSpec& table, const ColumnSpec& column, Statement& s,
                  const char* what) {
    const std::size_t key = table.order_by.front();
    const int col = static_cast<int>(key);
    const std::string value = table.columns[key].type == ColumnType::kText
                                  ? "'" + s.ColumnText(col) + "'"
                                  : std::to_string(s.ColumnInt64(col));
    return InvalidArgument("source " + table.name + "." + column.name + " of row " +
                           table.columns[key].name + "=" + value + " is " + what + "; not copied");
  }

  std::unique_ptr<Connection> conn_;
};

}  // namespace

std::unique_ptr<CopyDb> MakeSqliteCopyDb(std::unique_ptr<Connection> conn) {
  return std::make_unique<SqliteCopyDb>(std::move(conn));
}

}  // namespace vpnhub::storage::copy
