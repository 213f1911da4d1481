#include "storage/sqlite/connection.hpp"

#include <string>
#include <utility>

namespace vpnhub::storage {

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  std::string message = "sqlite: ";
  message.append(context);
  message += ": ";
  // sqlite3_errmsg describes the connection's most recent error, which is `rc` when the caller
  // reports right after the failing call; a null db (open failure) falls back to the generic text.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(std::move(message));
      }
      return Internal(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

std::string NumberedPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // the quote character of the literal or identifier we are in, if any
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '?';
      continue;
    }
    out += c;
  }
  return out;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::BindInt64(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) {
    return SqliteStatus(bind_rc_, db, std::string("bind in ") + sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  for (;;) {
    VPNHUB_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, int flags,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                           nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, db, "open " + path);
    sqlite3_close_v2(db);
    // Whatever stops us from opening the file (missing, permissions, I/O) is the database being
    // unreachable from the caller's point of view.
    return Unavailable(st.message());
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  rc = sqlite3_busy_timeout(db, busy_timeout_ms);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db, "busy_timeout");
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalised before the connection closes
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) {
    // A migration can be pages long; the start is enough to tell which statement failed.
    constexpr std::size_t kMaxContext = 160;
    return SqliteStatus(rc, db_,
                        sql.size() <= kMaxContext ? sql : sql.substr(0, kMaxContext) + "...");
  }
  return Status::Ok();
}

Result<StatementLease> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return StatementLease(it->second.get());
  return PrepareAs(sql, sql);
}

Result<StatementLease> Connection::PrepareNumbered(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return StatementLease(it->second.get());
  return PrepareAs(sql, NumberedPlaceholders(sql));
}

Result<StatementLease> Connection::PrepareAs(std::string_view key, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, std::string("prepare ") + std::string(sql));
  if (raw == nullptr) return Internal("sqlite: empty statement: " + std::string(sql));
  auto inserted = cache_.emplace(std::string(key), std::make_unique<Statement>(raw));
  return StatementLease(inserted.first->second.get());
}

Result<std::unique_ptr<Statement>> Connection::PrepareOnce(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, std::string("prepare ") + std::string(sql));
  if (raw == nullptr) return Internal("sqlite: empty statement: " + std::string(sql));
  return std::make_unique<Statement>(raw);
}

}  // namespace vpnhub::storage
