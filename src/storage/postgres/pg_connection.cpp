#include "storage/postgres/pg_connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace vpnhub::storage {
namespace {

// libpq messages end with a newline (sometimes several lines); a Status message is one line.
std::string OneLine(const char* text) {
  std::string s = text == nullptr ? "" : text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

bool StartsWith(const char* s, const char* prefix) {
  return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

// An array literal of `values`, each written by append(literal, value): {a,b,c}.
template <class T, class Append>
std::string ArrayLiteral(const std::vector<T>& values, Append append) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    append(literal, values[i]);
  }
  literal += '}';
  return literal;
}

// Notices (e.g. "relation ... already exists, skipping") are not errors; by default libpq prints
// them on stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

PgParams& PgParams::Int(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::Bool(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}

PgParams& PgParams::Text(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

PgParams& PgParams::IntArray(const std::vector<std::int64_t>& values) {
  values_.emplace_back(ArrayLiteral(
      values, [](std::string& literal, std::int64_t value) { literal += std::to_string(value); }));
  return *this;
}

PgParams& PgParams::TextArray(const std::vector<std::string>& values) {
  // Every element double-quoted, with " and \ escaped by a backslash: then no element content
  // (commas, braces, spaces, the word NULL) can change the array's shape.
  values_.emplace_back(ArrayLiteral(values, [](std::string& literal, const std::string& value) {
    literal += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }));
  return *this;
}

PgParams& PgParams::Null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& v : values_) pointers.push_back(v ? v->c_str() : nullptr);
  return pointers;
}

std::int64_t PgResult::affected() const {
  const char* text = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  std::from_chars(text, text + std::strlen(text), n);
  return n;
}

void PgResult::ReadError(int row, int col, const char* expected) const {
  if (read_error_ == nullptr || !read_error_->empty()) return;
  const char* name = PQfname(result_.get(), col);
  std::string value(PQgetvalue(result_.get(), row, col),
                    static_cast<std::size_t>(PQgetlength(result_.get(), row, col)));
  if (value.size() > 32) value = value.substr(0, 32) + "...";
  *read_error_ = "postgres: column \"" + std::string(name != nullptr ? name : "?") + "\" (row " +
                 std::to_string(row) + ") holds '" + value + "', not " + expected;
}

std::int64_t PgResult::Int64(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  const char* end = text + PQgetlength(result_.get(), row, col);
  std::int64_t value = 0;
  const auto [stop, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || stop != end || text == end) {
    ReadError(row, col, "a 64-bit integer");
    return 0;
  }
  return value;
}

int PgResult::Int(int row, int col) const {
  const std::int64_t value = Int64(row, col);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    ReadError(row, col, "a 32-bit integer");
    return 0;
  }
  return static_cast<int>(value);
}

bool PgResult::Bool(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  if (PQgetlength(result_.get(), row, col) != 1 || (text[0] != 't' && text[0] != 'f')) {
    ReadError(row, col, "a boolean");
    return false;
  }
  return text[0] == 't';
}

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, col)));
}

Status PgErrorStatus(PGconn* conn, const PGresult* result) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) {
    // No SQLSTATE: libpq failed on its own side, almost always because the connection broke.
    std::string message =
        OneLine(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
    if (PQstatus(conn) == CONNECTION_BAD || result == nullptr) {
      return Unavailable("postgres: connection lost: " + message);
    }
    return Internal("postgres: " + message);
  }
  const std::string message = "postgres: SQLSTATE " + std::string(state) + ": " +
                              OneLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  if (PQstatus(conn) == CONNECTION_BAD || StartsWith(state, "08") || StartsWith(state, "53") ||
      StartsWith(state, "57P")) {
    return Unavailable(message);
  }
  if (std::strcmp(state, kSqlStateSerializationFailure) == 0 ||
      std::strcmp(state, kSqlStateDeadlockDetected) == 0) {
    return Unavailable(message);
  }
  if (std::strcmp(state, kSqlStateUniqueViolation) == 0) return AlreadyExists(message);
  if (std::strcmp(state, "25006") == 0) return FailedPrecondition(message);  // read-only tx
  if (StartsWith(state, "22")) return InvalidArgument(message);
  return Internal(message);
}

static std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t n = 0; n < s.size(); ++n) {
    if (s[n] == '%' && n + 2 < s.size()) {
      const std::string hex(s.substr(n + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out.push_back(static_cast<char>(v));
        n += 2;
        continue;
      }
    }
    out.push_back(s[n]);
  }
  return out;
}

namespace {

// The password part of `userinfo` ("user:password"), or nothing.
void AddUserInfoPassword(std::string_view userinfo, std::vector<std::string>& found) {
  const auto colon = userinfo.find(':');
  if (colon != std::string_view::npos) found.emplace_back(userinfo.substr(colon + 1));
}

}  // namespace

// The password of a postgres URI (user:PASSWORD@host, or ?password=...), in every spelling it
// may show up in. The user info is cut the way libpq cuts it (at the first '@' before any '/')
// and the way MaskUrlSecret does (at the last '@'), so that whichever reading a message quotes,
// the password is among the secrets; libpq's own parse adds the decoded value it will send.
std::vector<std::string> PgPasswordsOf(const std::string& url) {
  std::vector<std::string> found;
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const std::string_view rest = std::string_view(url).substr(scheme_end + 3);
    const auto libpq_end = rest.find_first_of("@/");
    if (libpq_end != std::string_view::npos && rest[libpq_end] == '@') {
      AddUserInfoPassword(rest.substr(0, libpq_end), found);
    }
    const auto last_at = rest.rfind('@');
    if (last_at != std::string_view::npos && last_at != libpq_end) {
      AddUserInfoPassword(rest.substr(0, last_at), found);
      // libpq reads the pieces after an unescaped '@' of the password as the host, and names
      // the host in its errors: those pieces are secret too.
      for (auto at = rest.find('@'); at < last_at; at = rest.find('@', at + 1)) {
        found.emplace_back(rest.substr(at + 1, rest.find('@', at + 1) - at - 1));
      }
    }
  }
  std::string lower = url;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (auto pos = lower.find("password="); pos != std::string::npos;
       pos = lower.find("password=", pos + 1)) {
    const auto value_start = pos + 9;
    const auto end = url.find_first_of("&#", value_start);
    found.push_back(url.substr(value_start, end == std::string::npos ? end : end - value_start));
  }
  char* error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(url.c_str(), &error)) {
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) found.emplace_back(o->val);
    }
    PQconninfoFree(options);
  }
  PQfreemem(error);
  std::vector<std::string> secrets;
  for (const auto& p : found) {
    if (p.empty()) continue;
    secrets.push_back(p);
    const std::string decoded = PercentDecode(p);
    if (decoded != p) secrets.push_back(decoded);
  }
  // Longest first: a longer spelling that contains a shorter one is masked whole.
  std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
  return secrets;
}

std::string ScrubSecrets(std::string message, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    for (auto pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos + 3)) {
      message.replace(pos, secret.size(), "***");
    }
  }
  return message;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(
    const std::string& url, std::chrono::milliseconds connect_timeout) {
  // libpq counts whole seconds (and treats 1 as 2); round up so a short timeout is not zero,
  // which would mean "wait forever".
  const auto timeout_s = std::max<std::int64_t>(1, (connect_timeout.count() + 999) / 1000);
  const std::string timeout = std::to_string(timeout_s);
  // Defaults first: the URL comes last (expand_dbname), so whatever it sets wins. Keepalives
  // let a connection to a vanished host fail instead of hanging on a half-open socket.
  const char* keys[] = {"connect_timeout",  "client_encoding", "application_name",
                        "keepalives",       "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "dbname",          nullptr};
  const char* values[] = {timeout.c_str(), "UTF8", "vpnhub", "1", "30", "10", "3",
                          url.c_str(),     nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("postgres: out of memory creating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host, port and user; for a malformed URI it quotes the URI, password
    // and all, so every spelling of the password is masked.
    Status st = Unavailable(ScrubSecrets(
        "postgres: cannot connect: " + OneLine(PQerrorMessage(conn)), PgPasswordsOf(url)));
    PQfinish(conn);
    return st;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<PgResult> PgConnection::Check(PGresult* raw) {
  if (raw != nullptr) {
    ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return PgResult(raw, &read_error_);
  }
  Status st = PgErrorStatus(conn_, raw);
  const char* state = raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  if (state != nullptr && (std::strcmp(state, kSqlStateSerializationFailure) == 0 ||
                           std::strcmp(state, kSqlStateDeadlockDetected) == 0)) {
    retryable_failure_ = true;
  }
  PQclear(raw);
  return st;
}

Status PgConnection::Exec(const std::string& sql) {
  return Check(PQexec(conn_, sql.c_str())).status();
}

Result<PgResult> PgConnection::Query(const std::string& sql, const PgParams& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "vpnhub_" + std::to_string(prepared_.size() + 1);
    // Prepared statements belong to the session, not the transaction: a later rollback keeps it.
    VPNHUB_RETURN_IF_ERROR(Check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)));
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values = params.Pointers();
  return Check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, /*resultFormat=*/0));
}

Result<PgResult> PgConnection::QueryOnce(const std::string& sql, const PgParams& params) {
  std::vector<const char*> values = params.Pointers();
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, /*resultFormat=*/0));
}

Status PgConnection::TakeReadError() {
  if (read_error_.empty()) return Status::Ok();
  Status st = Internal(read_error_);
  read_error_.clear();
  return st;
}

bool PgConnection::Healthy() {
  // A few rounds: the server's goodbye message and the end of the stream may arrive apart.
  for (int round = 0; round < 4 && PQstatus(conn_) == CONNECTION_OK; ++round) {
    const int fd = PQsocket(conn_);
    if (fd < 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;  // nothing pending: as healthy as we can tell for free
    if (PQconsumeInput(conn_) == 0) return false;
    while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

}  // namespace vpnhub::storage
