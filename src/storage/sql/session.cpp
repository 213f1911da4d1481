// SqlSession: the helpers every port shares, whatever the dialect.
#include "storage/sql/session.hpp"

#include <exception>
#include <string>

#include "storage/sql/ports.hpp"

namespace vpnhub::storage {

Status SqlSession::CheckWritable(const char* method) const {
  if (!read_only_) return Status::Ok();
  const char* name = dialect_ == SqlDialect::kPostgres ? "postgres: " : "sqlite: ";
  return FailedPrecondition(std::string(name) + method + " in a read-only transaction");
}

Result<bool> SqlSession::Exists(const char* table, Id id) {
  const std::string sql = std::string("SELECT 1 FROM ") + table + " WHERE id = $1";
  bool found = false;
  VPNHUB_RETURN_IF_ERROR(Query(sql.c_str(), SqlParams().Int(id), [&](const SqlRow&) {
    found = true;
    return Status::Ok();
  }));
  return found;
}

Status SqlSession::ExplainNoChange(const char* table, const char* what, Id id, Status otherwise) {
  VPNHUB_ASSIGN_OR_RETURN(bool exists, Exists(table, id));
  if (!exists) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return otherwise;
}

Status RunOnSession(SqlSession& session, const ports::Store::TxFn& fn) {
  try {
    SqlTx tx(session);
    return fn(tx);
  } catch (const std::exception& e) {
    return Internal(std::string("exception in a store transaction: ") + e.what());
  } catch (...) {
    return Internal("unknown exception in a store transaction");
  }
}

}  // namespace vpnhub::storage
