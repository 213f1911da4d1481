#include "storage/sqlite/sqlite_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "storage/sql/ports.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_session.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"

namespace vpnhub::storage {
namespace {

constexpr char kMemoryPath[] = ":memory:";
constexpr char kUrlScheme[] = "sqlite://";
// Page cache per connection (negative = KiB, so about 8 MB at most): enough for the hot index
// pages, small enough that the pool of connections stays cheap. It fills only as pages are read.
constexpr char kCacheSizePragma[] = "PRAGMA cache_size = -8000";
constexpr int kPingBusyTimeoutMs = 1000;
// SQLite's default auto-checkpoint threshold (pages), now handed to the background thread.
constexpr int kCheckpointFrames = 1000;
// Every SQLite database file starts with these 16 bytes.
constexpr char kSqliteHeader[] = "SQLite format 3";  // plus its terminating NUL

int LatestEmbeddedVersion() {
  int latest = 0;
  for (const EmbeddedMigration& m : SqliteEmbeddedMigrations()) {
    latest = std::max(latest, m.version);
  }
  return latest;
}

Status ConfigureWriter(Connection& conn, bool in_memory) {
  VPNHUB_RETURN_IF_ERROR(conn.Exec(kCacheSizePragma));
  VPNHUB_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = ON"));
  if (in_memory) return Status::Ok();
  // Before the switch to WAL, so even creating the file syncs no more than it must.
  VPNHUB_RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = NORMAL"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn.PrepareOnce("PRAGMA journal_mode = WAL"));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  std::string mode = row ? stmt->ColumnText(0) : "";
  if (mode != "wal") {
    return Internal("sqlite: could not switch to WAL, journal_mode is '" + mode + "'");
  }
  return Status::Ok();
}

Status ConfigureReader(Connection& conn) {
  VPNHUB_RETURN_IF_ERROR(conn.Exec(kCacheSizePragma));
  // The connection is opened read-only already; query_only makes the intent explicit.
  return conn.Exec("PRAGMA query_only = ON");
}

Status RunSql(Connection& conn, const char* sql) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  return stmt->Run();
}

// The first bytes of conn's main file, read through SQLite's own file handle (see
// CheckFileIdentity for why not with open()). With WAL, queries read page 1 from the -wal file,
// so a main file overwritten in place would otherwise go unnoticed.
Status CheckHeader(Connection& conn) {
  sqlite3_file* file = nullptr;
  int rc = sqlite3_file_control(conn.raw(), "main", SQLITE_FCNTL_FILE_POINTER, &file);
  if (rc != SQLITE_OK || file == nullptr || file->pMethods == nullptr) {
    return Unavailable("cannot reach the database file");
  }
  char header[sizeof(kSqliteHeader)] = {};
  rc = file->pMethods->xRead(file, header, sizeof(header), 0);
  if (rc != SQLITE_OK || std::memcmp(header, kSqliteHeader, sizeof(kSqliteHeader)) != 0) {
    return Unavailable("the file does not start with the SQLite header");
  }
  return Status::Ok();
}

// SELECT max(version) FROM schema_migrations on conn, Ok when it reaches `latest`.
Status CheckSchema(Connection& conn, int latest) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn.PrepareOnce("SELECT max(version) FROM schema_migrations"));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row || stmt->ColumnIsNull(0)) return Unavailable("sqlite: no migrations applied");
  std::int64_t version = stmt->ColumnInt64(0);
  if (version < latest) {
    return Unavailable("sqlite: schema version " + std::to_string(version) + " is older than " +
                       std::to_string(latest));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> SqlitePathFromUrl(const std::string& url) {
  const std::string scheme = kUrlScheme;
  if (url.compare(0, scheme.size(), scheme) != 0) {
    // Only the scheme is echoed: other database URLs may carry a password.
    std::string::size_type colon = url.find(':');
    std::string shown = colon == std::string::npos ? std::string("no scheme")
                                                   : "scheme '" + url.substr(0, colon) + "'";
    return InvalidArgument("unsupported database URL (" + shown +
                           "): expected sqlite://PATH, e.g. sqlite://./data/vpnhub.db, "
                           "sqlite:///var/lib/vpnhub.db or sqlite://:memory:");
  }
  std::string path = url.substr(scheme.size());
  if (path.empty()) {
    return InvalidArgument(
        "database URL 'sqlite://' has no path: expected sqlite://PATH, e.g. "
        "sqlite://./data/vpnhub.db");
  }
  if (const auto query = path.find('?'); query != std::string::npos) {
    return InvalidArgument("sqlite:// URLs take no options (got '" + path.substr(query) +
                           "'): give the file path alone, e.g. sqlite://./data/vpnhub.db");
  }
  return path;
}

std::optional<std::string> SqliteReadOnlyProblem(const std::string& path) {
  namespace fs = std::filesystem;
  // The errno of a refused access(W_OK), or 0 when writing is allowed (or failed otherwise).
  const auto refused = [](const char* p) {
    if (::access(p, W_OK) == 0) return 0;
    const int e = errno;
    return e == EACCES || e == EROFS || e == EPERM ? e : 0;
  };
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (const int e = exists ? refused(path.c_str()) : 0) {
    return "the database file is read-only: " + path + " (" + std::strerror(e) +
           "; the service needs to write it)";
  }
  // The directory holding the file (or the nearest one that exists, where it would be created).
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  while (!exists && !fs::exists(dir, ec) && dir.has_parent_path() && dir.parent_path() != dir) {
    dir = dir.parent_path();
  }
  if (const int e = refused(dir.c_str())) {
    return "the database file is read-only: " + path + " (its directory " + dir.string() +
           " is not writable: " + std::strerror(e) +
           "; SQLite writes its -wal and -shm files there)";
  }
  return std::nullopt;
}

SqliteStore::SqliteStore(SqliteOptions options, bool in_memory, FileId file_id,
                         std::unique_ptr<Connection> writer)
    : options_(std::move(options)),
      in_memory_(in_memory),
      file_id_(file_id),
      writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  if (options.path.empty()) return InvalidArgument("sqlite: empty database path");
  const bool in_memory = options.path == kMemoryPath;
  SqliteOptions opts = options;
  opts.read_connections = std::max(1, opts.read_connections);
  opts.busy_timeout_ms = std::max(0, opts.busy_timeout_ms);
  if (!in_memory) {
    // A generic "attempt to write a readonly database" from the first write would hide why.
    if (auto problem = SqliteReadOnlyProblem(opts.path)) {
      return FailedPrecondition("sqlite: " + *problem);
    }
    std::filesystem::path parent = std::filesystem::path(opts.path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Unavailable("sqlite: cannot create directory " + parent.string() + ": " +
                           ec.message());
      }
    }
  }
  VPNHUB_ASSIGN_OR_RETURN(auto writer,
                          Connection::Open(opts.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                           opts.busy_timeout_ms));
  // SQLite falls back to read-only by itself when the file cannot be opened for writing (as on a
  // read-only mount even for root).
  if (!in_memory && sqlite3_db_readonly(writer->raw(), "main") == 1) {
    return FailedPrecondition("sqlite: the database file is read-only: " + opts.path +
                              " (SQLite could open it for reading only)");
  }
  VPNHUB_RETURN_IF_ERROR(ConfigureWriter(*writer, in_memory));
  FileId file_id;
  if (!in_memory) {
    struct stat st {};
    if (::stat(opts.path.c_str(), &st) != 0) {
      return Unavailable("sqlite: stat " + opts.path + ": " + std::strerror(errno));
    }
    file_id = FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  }
  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(opts), in_memory, file_id, std::move(writer)));
  VPNHUB_RETURN_IF_ERROR(store->Migrate());
  if (!in_memory) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto checkpointer,
        WalCheckpointer::Start(store->options_.path, *store->writer_, kCheckpointFrames));
    store->checkpointer_ = std::move(checkpointer);
  }
  return store;
}

Status SqliteStore::RunTx(Connection& conn, const char* begin, bool read_only,
                          const std::function<Status(ports::StoreTx&)>& fn) {
  // A connection left inside a transaction by an earlier failed ROLLBACK must not leak that
  // transaction's changes into this one.
  if (conn.InTransaction()) VPNHUB_RETURN_IF_ERROR(RunSql(conn, "ROLLBACK"));
  VPNHUB_RETURN_IF_ERROR(RunSql(conn, begin));
  SqliteSession session(conn, read_only);
  Status st = RunOnSession(session, fn);
  if (st.ok()) {
    if (!conn.InTransaction()) {
      // SQLite rolls a transaction back by itself on some errors (disk full, I/O); whatever the
      // callback did afterwards ran in autocommit mode and must not be reported as one commit.
      return Unavailable("sqlite: the transaction was rolled back by the database");
    }
    Status commit = RunSql(conn, "COMMIT");
    if (commit.ok()) return commit;
    if (conn.InTransaction()) (void)RunSql(conn, "ROLLBACK");
    if (commit.code() != StatusCode::kUnavailable) return Internal(commit.message());
    return commit;
  }
  if (conn.InTransaction()) (void)RunSql(conn, "ROLLBACK");
  return st;
}

Status SqliteStore::RunWrite(ports::WriteKind /*kind*/, const TxFn& fn) {
  std::lock_guard<std::mutex> lock(writer_mu_);
  return RunTx(*writer_, "BEGIN IMMEDIATE", /*read_only=*/false, fn);
}

Status SqliteStore::Read(const std::function<Status(ports::StoreTx&)>& fn) {
  if (in_memory_) {
    std::lock_guard<std::mutex> lock(writer_mu_);
    return RunTx(*writer_, "BEGIN", /*read_only=*/true, fn);
  }
  VPNHUB_ASSIGN_OR_RETURN(auto conn, AcquireReader());
  Status st = RunTx(*conn, "BEGIN", /*read_only=*/true, fn);
  if (st.code() == StatusCode::kUnavailable) {
    // The file may have been replaced or the connection broken: reopen next time.
    std::lock_guard<std::mutex> lock(readers_mu_);
    --open_readers_;
    readers_cv_.notify_one();
  } else {
    ReleaseReader(std::move(conn));
  }
  return st;
}

Result<std::unique_ptr<Connection>> SqliteStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(readers_mu_);
  for (;;) {
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
    if (open_readers_ < options_.read_connections) {
      ++open_readers_;
      lock.unlock();
      auto conn = Connection::Open(options_.path, SQLITE_OPEN_READONLY, options_.busy_timeout_ms);
      Status st = conn.status();
      if (st.ok()) st = ConfigureReader(**conn);
      if (st.ok()) return std::move(*conn);
      lock.lock();
      --open_readers_;
      readers_cv_.notify_one();
      return st;
    }
    readers_cv_.wait(lock);
  }
}

void SqliteStore::ReleaseReader(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  idle_readers_.push_back(std::move(conn));
  readers_cv_.notify_one();
}

Status SqliteStore::Ping() {
  const int latest = LatestEmbeddedVersion();
  Status st;
  if (in_memory_) {
    std::lock_guard<std::mutex> lock(writer_mu_);
    st = CheckSchema(*writer_, latest);
  } else {
    // The long-lived connections keep working on the inode they opened even when the path no
    // longer leads to it, so the path itself is checked, then read as a restart would read it.
    st = CheckFileIdentity();
    if (st.ok()) {
      auto conn = Connection::Open(options_.path, SQLITE_OPEN_READONLY,
                                   std::min(options_.busy_timeout_ms, kPingBusyTimeoutMs));
      st = conn.status();
      if (st.ok()) st = CheckHeader(**conn);
      if (st.ok()) st = CheckSchema(**conn, latest);
    }
  }
  if (st.ok()) return st;
  return Unavailable("sqlite ping " + options_.path + ": " + st.message());
}

Status SqliteStore::CheckFileIdentity() const {
  // stat only: this process must never open() and close() the database file itself, because
  // closing any descriptor of a file drops every POSIX lock the process holds on it, and another
  // process would then take itself for the last user and delete the WAL under our writer.
  struct stat st {};
  if (::stat(options_.path.c_str(), &st) != 0) {
    return Unavailable(std::string("stat: ") + std::strerror(errno));
  }
  if (static_cast<std::uint64_t>(st.st_dev) != file_id_.dev ||
      static_cast<std::uint64_t>(st.st_ino) != file_id_.ino) {
    return Unavailable("the path names another file than the database this process opened");
  }
  return Status::Ok();
}

Result<std::vector<int>> SqliteStore::Migrate() {
  std::lock_guard<std::mutex> lock(writer_mu_);
  return ApplyMigrations(*writer_, SqliteEmbeddedMigrations());
}

Result<std::vector<MigrationInfo>> SqliteStore::MigrationStatus() {
  std::lock_guard<std::mutex> lock(writer_mu_);
  return ReadMigrationStatus(*writer_, SqliteEmbeddedMigrations());
}

Result<std::string> SqliteStore::ExplainQuery(IndexedQuery query) {
  // The plan does not depend on the parameters, which stay unbound.
  VPNHUB_ASSIGN_OR_RETURN(auto statement, IndexedQueryStatement(query, 0));
  std::lock_guard<std::mutex> lock(writer_mu_);
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      writer_->PrepareOnce("EXPLAIN QUERY PLAN " + NumberedPlaceholders(statement.sql.sqlite)));
  std::string plan;
  for (;;) {
    VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return plan;
    if (!plan.empty()) plan += '\n';
    plan += stmt->ColumnText(3);
  }
}

}  // namespace vpnhub::storage
