// PgSession: statements run on one pooled PostgreSQL connection.
#include "storage/postgres/pg_session.hpp"

#include <string>

namespace vpnhub::storage {
namespace {

// One row of a query's result.
class PgRow final : public SqlRow {
 public:
  PgRow(const PgResult& result, int row) : r_(result), row_(row) {}
  std::int64_t Int64(int col) const override { return r_.Int64(row_, col); }
  int Int(int col) const override { return r_.Int(row_, col); }
  bool Bool(int col) const override { return r_.Bool(row_, col); }
  bool IsNull(int col) const override { return r_.IsNull(row_, col); }
  std::string Text(int col) const override { return r_.Text(row_, col); }

 private:
  const PgResult& r_;
  int row_;
};

}  // namespace

PgParams ToPgParams(const SqlParams& params) {
  using Kind = SqlParams::Value::Kind;
  PgParams out;
  for (const SqlParams::Value& value : params.values()) {
    switch (value.kind) {
      case Kind::kNull:
        out.Null();
        break;
      case Kind::kInt:
        out.Int(value.number);
        break;
      case Kind::kBool:
        out.Bool(value.number != 0);
        break;
      case Kind::kText:
        out.Text(value.text);
        break;
      case Kind::kIdSet:
      case Kind::kIntList:
        out.IntArray(value.ints);
        break;
      case Kind::kTextList:
        out.TextArray(value.texts);
        break;
    }
  }
  return out;
}

Status PgSession::Query(const SqlText& sql, const SqlParams& params, RowVisitor on_row) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(sql.pg, ToPgParams(params)));
  for (int row = 0; row < r.rows(); ++row) VPNHUB_RETURN_IF_ERROR(on_row(PgRow(r, row)));
  return Status::Ok();
}

Result<std::int64_t> PgSession::Modify(const SqlText& sql, const SqlParams& params) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(sql.pg, ToPgParams(params)));
  return r.affected();
}

Result<Id> PgSession::Insert(const SqlText& sql, const SqlParams& params) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query(std::string(sql.pg) + " RETURNING id", ToPgParams(params)));
  return r.Int64(0, 0);
}

Result<Id> PgSession::InsertUnique(const SqlText& sql, const SqlParams& params,
                                   const std::string& what) {
  VPNHUB_ASSIGN_OR_RETURN(auto r,
                          conn_.Query(std::string(sql.pg) + " ON CONFLICT DO NOTHING RETURNING id",
                                      ToPgParams(params)));
  if (r.rows() == 0) return AlreadyExists(what + ": a unique value is taken");
  return r.Int64(0, 0);
}

Result<std::int64_t> PgSession::ModifyUnique(const SqlText& sql, const SqlParams& params,
                                             const std::string& what) {
  // A unique violation aborts a PostgreSQL transaction; under a savepoint it is an ordinary
  // kAlreadyExists, as with SQLite, and the caller's transaction goes on.
  VPNHUB_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT vpnhub_unique"));
  auto changed = Modify(sql, params);
  Status end = conn_.Exec(changed.ok() ? "RELEASE SAVEPOINT vpnhub_unique"
                                       : "ROLLBACK TO SAVEPOINT vpnhub_unique; "
                                         "RELEASE SAVEPOINT vpnhub_unique");
  if (!changed.ok()) {
    if (changed.status().code() == StatusCode::kAlreadyExists && !what.empty()) {
      return AlreadyExists(what + " is taken");
    }
    return changed.status();
  }
  VPNHUB_RETURN_IF_ERROR(end);
  return changed;
}

}  // namespace vpnhub::storage
