// SqlitePort: the helpers every SQLite port object shares.
#include "storage/sqlite/sqlite_port.hpp"

#include <string>

namespace vpnhub::storage {

Status SqlitePort::CheckWritable(const char* method) const {
  if (!read_only_) return Status::Ok();
  return FailedPrecondition(std::string("sqlite: ") + method + " in a read-only transaction");
}

Result<bool> SqlitePort::Exists(const char* table, Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1"));
  stmt->BindInt64(1, id);
  return stmt->Step();
}

Status SqlitePort::ExplainNoChange(const char* table, const char* what, Id id, Status otherwise) {
  VPNHUB_ASSIGN_OR_RETURN(bool exists, Exists(table, id));
  if (!exists) return NotFound(std::string(what) + " " + std::to_string(id) + " not found");
  return otherwise;
}

}  // namespace vpnhub::storage
