// SqliteSession: statements run on one SQLite connection.
#include "storage/sqlite/sqlite_session.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace vpnhub::storage {
namespace {

// The current row of a stepping statement.
class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(const Statement& stmt) : stmt_(stmt) {}
  std::int64_t Int64(int col) const override { return stmt_.ColumnInt64(col); }
  int Int(int col) const override { return stmt_.ColumnInt(col); }
  bool Bool(int col) const override { return stmt_.ColumnBool(col); }
  bool IsNull(int col) const override { return stmt_.ColumnIsNull(col); }
  std::string Text(int col) const override { return stmt_.ColumnText(col); }

 private:
  const Statement& stmt_;
};

// A JSON array of the ids, ascending without repeats, for json_each: one statement (and one
// cached plan) for any count.
std::string IdsAsJson(std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string json = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) json += ',';
    json += std::to_string(ids[i]);
  }
  json += ']';
  return json;
}

// Binds `value` at `index`; false for a kind SQLite has no use for (the lists of unnest()).
bool Bind(Statement& stmt, int index, const SqlParams::Value& value) {
  using Kind = SqlParams::Value::Kind;
  switch (value.kind) {
    case Kind::kNull:
      stmt.BindNull(index);
      return true;
    case Kind::kInt:
    case Kind::kBool:
      stmt.BindInt64(index, value.number);
      return true;
    case Kind::kText:
      stmt.BindText(index, value.text);
      return true;
    case Kind::kIdSet:
      stmt.BindText(index, IdsAsJson(value.ints));
      return true;
    case Kind::kIntList:
    case Kind::kTextList:
      break;
  }
  return false;
}

}  // namespace

Result<StatementLease> SqliteSession::Prepare(const SqlText& sql, const SqlParams& params) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.PrepareNumbered(sql.sqlite));
  int index = 1;
  for (const SqlParams::Value& value : params.values()) {
    if (!Bind(*stmt, index, value)) {
      return Internal("sqlite: parameter " + std::to_string(index) + " is a PostgreSQL array");
    }
    ++index;
  }
  return stmt;
}

Status SqliteSession::Query(const SqlText& sql, const SqlParams& params, RowVisitor on_row) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, Prepare(sql, params));
  const SqliteRow row(*stmt);
  for (;;) {
    // Stepped to the end, also for one row: an UPDATE ... RETURNING finishes its work there.
    VPNHUB_ASSIGN_OR_RETURN(bool more, stmt->Step());
    if (!more) return Status::Ok();
    VPNHUB_RETURN_IF_ERROR(on_row(row));
  }
}

Result<std::int64_t> SqliteSession::Modify(const SqlText& sql, const SqlParams& params) {
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, Prepare(sql, params));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  // changes() counts every row the WHERE matched, also when the values stay the same.
  return conn_.Changes();
}

Result<Id> SqliteSession::Insert(const SqlText& sql, const SqlParams& params) {
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, Prepare(sql, params));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  return conn_.LastInsertRowid();
}

}  // namespace vpnhub::storage
