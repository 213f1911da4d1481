// PgPort: the helpers every PostgreSQL port object shares.
#include "storage/postgres/pg_port.hpp"

#include <string>

namespace vpnhub::storage {

Status PgPort::CheckWritable(const char* method) const {
  if (!read_only_) return Status::Ok();
  return FailedPrecondition(std::string("postgres: ") + method + " in a read-only transaction");
}

Result<bool> PgPort::Exists(const char* table, Id id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(std::string("SELECT 1 FROM ") + table + " WHERE id = $1", PgParams().Int(id)));
  return r.rows() > 0;
}

Status PgPort::ExplainNoChange(const char* table, const char* what, Id id, Status otherwise) {
  VPNHUB_ASSIGN_OR_RETURN(bool exists, Exists(table, id));
  if (!exists) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return otherwise;
}

Result<Id> PgPort::InsertReturningId(const char* sql, const PgParams& params,
                                     const std::string& what) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(sql, params));
  if (r.rows() == 0) return AlreadyExists(what + ": a unique value is taken");
  return r.Int64(0, 0);
}

Result<std::int64_t> PgPort::Modify(const char* sql, const PgParams& params) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(sql, params));
  return r.affected();
}

Result<std::int64_t> PgPort::ModifyUnique(const char* sql, const PgParams& params,
                                          const std::string& what) {
  // A unique violation aborts a PostgreSQL transaction; under a savepoint it is an ordinary
  // kAlreadyExists, as with SQLite, and the caller's transaction goes on.
  VPNHUB_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT vpnhub_unique"));
  auto changed = Modify(sql, params);
  Status end = conn_.Exec(changed.ok() ? "RELEASE SAVEPOINT vpnhub_unique"
                                       : "ROLLBACK TO SAVEPOINT vpnhub_unique; "
                                         "RELEASE SAVEPOINT vpnhub_unique");
  if (!changed.ok()) {
    if (changed.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists(what + " is taken");
    }
    return changed.status();
  }
  VPNHUB_RETURN_IF_ERROR(end);
  return changed;
}

}  // namespace vpnhub::storage
