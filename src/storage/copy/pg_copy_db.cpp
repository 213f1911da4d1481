// The PostgreSQL side of db copy: its schema from information_schema and pg_catalog (the tables
// of the current schema).
#include <algorithm>
#include <optional>
#include <utility>

#include "storage/copy/copy_db.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace vpnhub::storage::copy {
namespace {

constexpr std::size_t kMaxPgParams = 65535;
constexpr std::size_t kMaxPgInsertRows = 1000;

std::optional<ColumnType> TypeOf(const std::string& data_type) {
  if (data_type == "bigint" || data_type == "integer" || data_type == "smallint") {
    return ColumnType::kInt;
  }
  if (data_type == "boolean") return ColumnType::kBool;
  if (data_type == "text" || data_type == "character varying" || data_type == "character") {
    return ColumnType::kText;
  }
  return std::nullopt;
}

class PgCopyDb final : public CopyDb {
 public:
  explicit PgCopyDb(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}
  ~PgCopyDb() override { Rollback(); }

  Result<Schema> Describe() override {
    Schema schema;
    VPNHUB_ASSIGN_OR_RETURN(
        auto tables,
        conn_->QueryOnce("SELECT table_name::text FROM information_schema.tables "
                         "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"));
    for (int r = 0; r < tables.rows(); ++r) {
      const std::string name = tables.Text(r, 0);
      schema[name].name = name;
    }
    VPNHUB_RETURN_IF_ERROR(DescribeColumns(schema));
    VPNHUB_RETURN_IF_ERROR(DescribeKeys(schema));
    VPNHUB_RETURN_IF_ERROR(conn_->TakeReadError());
    return schema;
  }
  Status BeginRead() override {
    in_tx_ = true;
    return conn_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  Status BeginWrite(const std::vector<TableSpec>& tables) override {
    in_tx_ = true;
    VPNHUB_RETURN_IF_ERROR(conn_->Exec("BEGIN ISOLATION LEVEL READ COMMITTED"));
    if (tables.empty()) return Status::Ok();
    // Keeps a running service (or a second copy) from writing between the emptiness check and
    // the commit; readers may go on. Waits at most lock_timeout for writers to finish.
    std::string list;
    for (const auto& table : tables)
      list += (list.empty() ? "" : ", ") + QuoteIdentifier(table.name);
    VPNHUB_RETURN_IF_ERROR(conn_->Exec("SET LOCAL lock_timeout = '30s'"));
    return conn_->Exec("LOCK TABLE " + list + " IN EXCLUSIVE MODE");
  }
  Status Commit() override {
    in_tx_ = false;
    return conn_->Exec("COMMIT");
  }
  void Rollback() override {
    if (in_tx_) (void)conn_->Exec("ROLLBACK");
    in_tx_ = false;
  }
  Result<std::int64_t> Count(const TableSpec& table) override {
    VPNHUB_ASSIGN_OR_RETURN(
        auto result, conn_->QueryOnce("SELECT count(*) FROM " + QuoteIdentifier(table.name)));
    const std::int64_t rows = result.Int64(0, 0);
    VPNHUB_RETURN_IF_ERROR(conn_->TakeReadError());
    return rows;
  }
  Status Scan(const TableSpec& table,
              const std::function<Status(std::vector<Row>&)>& on_batch) override {
    VPNHUB_RETURN_IF_ERROR(
        conn_->Exec("DECLARE vpnhub_copy NO SCROLL CURSOR FOR " + SelectAll(table)));
    const std::string fetch =
        "FETCH FORWARD " + std::to_string(kReadBatchRows) + " FROM vpnhub_copy";
    std::vector<Row> batch;
    for (;;) {
      VPNHUB_ASSIGN_OR_RETURN(auto result, conn_->QueryOnce(fetch));
      if (result.rows() == 0) break;
      batch.clear();
      batch.reserve(static_cast<std::size_t>(result.rows()));
      for (int r = 0; r < result.rows(); ++r) batch.push_back(ReadRow(table, result, r));
      VPNHUB_RETURN_IF_ERROR(conn_->TakeReadError());
      VPNHUB_RETURN_IF_ERROR(on_batch(batch));
    }
    return conn_->Exec("CLOSE vpnhub_copy");
  }
  Status Insert(const TableSpec& table, const std::vector<Row>& rows) override {
    const std::size_t columns = table.columns.size();
    const std::size_t per_statement = std::min(kMaxPgInsertRows, kMaxPgParams / columns);
    for (std::size_t first = 0; first < rows.size(); first += per_statement) {
      const std::size_t count = std::min(per_statement, rows.size() - first);
      std::string sql =
          "INSERT INTO " + QuoteIdentifier(table.name) + " (" + ColumnList(table) + ") VALUES ";
      PgParams params;
      std::size_t n = 0;
      for (std::size_t r = first; r < first + count; ++r) {
        sql += r == first ? "(" : ", (";
        for (std::size_t c = 0; c < columns; ++c) {
          sql += (c == 0 ? "$" : ", $") + std::to_string(++n);
          const Value& v = rows[r][c];
          if (v.kind == Value::Kind::kNull) {
            params.Null();
          } else if (table.columns[c].type == ColumnType::kBool) {
            params.Bool(v.i != 0);
          } else if (v.kind == Value::Kind::kInt) {
            params.Int(v.i);
          } else {
            params.Text(v.s);
          }
        }
        sql += ")";
      }
      // Full batches share one statement, prepared once; the last, shorter one runs unprepared.
      VPNHUB_RETURN_IF_ERROR(count == per_statement ? conn_->Query(sql, params)
                                                    : conn_->QueryOnce(sql, params));
    }
    return Status::Ok();
  }
  Status AfterTableCopied(const TableSpec& table) override {
    if (table.identity.empty()) return Status::Ok();
    auto result =
        conn_->QueryOnce("SELECT setval(pg_get_serial_sequence($1, $2), max_id) FROM (SELECT max(" +
                             QuoteIdentifier(table.identity) + ") AS max_id FROM " +
                             QuoteIdentifier(table.name) + ") m WHERE max_id IS NOT NULL",
                         PgParams().Text(QuoteIdentifier(table.name)).Text(table.identity));
    return result.status();
  }

 private:
  static Row ReadRow(const TableSpec& table, const PgResult& result, int r) {
    Row row(table.columns.size());
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const int col = static_cast<int>(c);
      if (result.IsNull(r, col)) continue;
      Value& v = row[c];
      switch (table.columns[c].type) {
        case ColumnType::kInt:
          v.kind = Value::Kind::kInt;
          v.i = result.Int64(r, col);
          break;
        case ColumnType::kBool:
          v.kind = Value::Kind::kInt;
          v.i = result.Bool(r, col) ? 1 : 0;
          break;
        case ColumnType::kText:
          v.kind = Value::Kind::kText;
          v.s = result.Text(r, col);
          break;
      }
    }
    return row;
  }

  // Columns in table order; an identity or serial column is the one whose sequence
  // AfterTableCopied moves.
  Status DescribeColumns(Schema& schema) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto columns,
        conn_->QueryOnce("SELECT table_name::text, column_name::text, data_type::text, "
                         "(is_identity = 'YES' OR column_default LIKE 'nextval(%') "
                         "FROM information_schema.columns WHERE table_schema = current_schema() "
                         "ORDER BY table_name, ordinal_position"));
    // A view's columns have no table in `schema` and are passed over.
    return ForEachTableRow(schema, columns, [&](TableSpec& table, int r) -> Status {
      ColumnSpec column{columns.Text(r, 1), ColumnType::kText};
      const std::string data_type = columns.Text(r, 2);
      const auto type = TypeOf(data_type);
      if (!type) {
        return FailedPrecondition("column " + table.name + "." + column.name + " has type '" +
                                  data_type +
                                  "', which db copy cannot carry (integer, boolean or text)");
      }
      column.type = *type;
      if (!columns.IsNull(r, 3) && columns.Bool(r, 3)) table.identity = column.name;
      table.columns.push_back(std::move(column));
      return Status::Ok();
    });
  }

  // Primary keys in key order, and the tables each table's foreign keys point to.
  Status DescribeKeys(Schema& schema) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto keys,
        conn_->QueryOnce(
            "SELECT kcu.table_name::text, kcu.column_name::text "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = "
            "tc.constraint_schema AND kcu.constraint_name = tc.constraint_name "
            "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
            "ORDER BY kcu.table_name, kcu.ordinal_position"));
    VPNHUB_RETURN_IF_ERROR(ForEachTableRow(schema, keys, [&](TableSpec& table, int r) {
      table.primary_key.push_back(keys.Text(r, 1));
      return Status::Ok();
    }));
    VPNHUB_ASSIGN_OR_RETURN(
        auto refs,
        conn_->QueryOnce(
            "SELECT src.relname::text, dst.relname::text FROM pg_constraint c "
            "JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid "
            "WHERE c.contype = 'f' AND src.relnamespace = current_schema()::regnamespace"));
    return ForEachTableRow(schema, refs, [&](TableSpec& table, int r) {
      table.references.insert(refs.Text(r, 1));
      return Status::Ok();
    });
  }

  // Calls on_row(table, r) for every row r of `result` whose first column names a table of
  // `schema`, in order; stops at the first error.
  template <class OnRow>
  static Status ForEachTableRow(Schema& schema, const PgResult& result, OnRow&& on_row) {
    for (int r = 0; r < result.rows(); ++r) {
      const auto table = schema.find(result.Text(r, 0));
      if (table != schema.end()) VPNHUB_RETURN_IF_ERROR(on_row(table->second, r));
    }
    return Status::Ok();
  }

  std::unique_ptr<PgConnection> conn_;
  bool in_tx_ = false;
};

}  // namespace

std::unique_ptr<CopyDb> MakePgCopyDb(std::unique_ptr<PgConnection> conn) {
  return std::make_unique<PgCopyDb>(std::move(conn));
}

}  // namespace vpnhub::storage::copy
