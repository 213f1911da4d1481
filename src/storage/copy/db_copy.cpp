#include "storage/copy/db_copy.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string_view>

#include "storage/copy/copy_db.hpp"
#include "storage/copy/copy_plan.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace vpnhub::storage {
namespace {

using copy::CopyDb;
using copy::Row;
using copy::TableSpec;
using copy::Value;

constexpr auto kConnectTimeout = std::chrono::seconds(10);

// An order-independent checksum of a table's rows: the wrapping sum of a 64-bit hash of each
// row, every column's kind and exact bytes included.
class TableChecksum {
 public:
  void Add(const Row& row) {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a
    auto mix = [&h](const void* data, std::size_t size) {
      const auto* bytes = static_cast<const unsigned char*>(data);
      for (std::size_t n = 0; n < size; ++n) {
        h ^= bytes[n];
        h *= 1099511628211ULL;
      }
    };
    for (const Value& value : row) {
      const auto tag = static_cast<unsigned char>(value.kind);
      mix(&tag, 1);
      if (value.kind == Value::Kind::kInt) {
        const auto u = static_cast<std::uint64_t>(value.i);
        unsigned char le[8];
        for (int b = 0; b < 8; ++b) le[b] = static_cast<unsigned char>(u >> (8 * b));
        mix(le, sizeof le);
      } else if (value.kind == Value::Kind::kText) {
        const std::uint64_t size = value.s.size();
        mix(&size, sizeof size);
        mix(value.s.data(), value.s.size());
      }
    }
    // splitmix64 finaliser, so that summing does not cancel structure of FNV.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    sum_ += h;
    ++rows_;
  }
  std::int64_t rows() const { return rows_; }
  std::uint64_t sum() const { return sum_; }

 private:
  std::int64_t rows_ = 0;
  std::uint64_t sum_ = 0;
};

// ---------------------------------------------------------------------------------------------
// URLs and messages.

enum class DbKind { kSqlite, kPostgres };

struct DbUrl {
  DbKind kind;
  std::string url;
  std::string sqlite_path;           // kSqlite
  std::vector<std::string> secrets;  // kPostgres: password spellings to keep out of messages
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Result<DbUrl> ParseUrl(const std::string& url, const char* side) {
  DbUrl parsed{DbKind::kSqlite, url, {}, {}};
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
    parsed.kind = DbKind::kPostgres;
    parsed.secrets = PgPasswordsOf(url);
    // A malformed URI is the caller's mistake, not an outage. libpq's message may quote the URI.
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
      std::string message = error != nullptr ? error : "out of memory";
      PQfreemem(error);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
      }
      return InvalidArgument(ScrubSecrets(
          std::string(side) + ": malformed PostgreSQL URL: " + message, parsed.secrets));
    }
    PQconninfoFree(options);
    return parsed;
  }
  if (StartsWith(url, "sqlite://")) {
    auto path = SqlitePathFromUrl(url);
    if (!path.ok())
      return Status(path.status().code(), std::string(side) + ": " + path.status().message());
    if (*path == ":memory:") {
      return InvalidArgument(std::string(side) +
                             ": sqlite://:memory: cannot be copied from or to (it lives only "
                             "inside one process); give a file path");
    }
    parsed.sqlite_path = *path;
    return parsed;
  }
  const auto colon = url.find(':');
  const std::string shown = colon == std::string::npos ? std::string("no scheme")
                                                       : "scheme '" + url.substr(0, colon) + "'";
  return InvalidArgument(std::string(side) + ": unsupported database URL (" + shown +
                         "): expected sqlite://PATH, postgres://... or postgresql://...");
}

// ---------------------------------------------------------------------------------------------
// Opening.

Status WithContext(const Status& st, const std::string& context, const DbUrl& url) {
  if (st.ok()) return st;
  return Status(st.code(), ScrubSecrets(context + ": " + st.message(), url.secrets));
}

// Opens the database through its store (creating a SQLite target, applying migrations), closes
// the store, then opens one plain connection for the copy.
Result<std::unique_ptr<CopyDb>> OpenDb(const DbUrl& url, bool is_source) {
  const std::string side = is_source ? "source" : "target";
  if (url.kind == DbKind::kSqlite) {
    if (is_source) {
      struct stat st {};
      if (::stat(url.sqlite_path.c_str(), &st) != 0) {
        return NotFound("source SQLite database " + url.sqlite_path + " does not exist");
      }
    }
    {
      SqliteOptions options;
      options.path = url.sqlite_path;
      options.read_connections = 1;
      auto store = SqliteStore::Open(options);
      if (!store.ok()) {
        return WithContext(store.status(),
                           "opening the " + side + " SQLite database " + url.sqlite_path, url);
      }
    }
    auto conn =
        Connection::Open(url.sqlite_path, is_source ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE,
                         /*busy_timeout_ms=*/30000);
    if (!conn.ok()) {
      return WithContext(conn.status(),
                         "opening the " + side + " SQLite database " + url.sqlite_path, url);
    }
    return copy::MakeSqliteCopyDb(std::move(*conn));
  }
  {
    PostgresOptions options;
    options.url = url.url;
    options.pool_size = 1;
    options.connect_timeout = kConnectTimeout;
    auto store = PostgresStore::Open(options);
    if (!store.ok()) {
      return WithContext(store.status(), "opening the " + side + " PostgreSQL database", url);
    }
  }
  auto conn = PgConnection::Open(url.url, kConnectTimeout);
  if (!conn.ok()) {
    return WithContext(conn.status(), "opening the " + side + " PostgreSQL database", url);
  }
  return copy::MakePgCopyDb(std::move(*conn));
}

bool SameDatabase(const DbUrl& a, const DbUrl& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == DbKind::kPostgres) return a.url == b.url;
  struct stat sa {};
  struct stat sb {};
  if (::stat(a.sqlite_path.c_str(), &sa) == 0 && ::stat(b.sqlite_path.c_str(), &sb) == 0) {
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }
  return a.sqlite_path == b.sqlite_path;
}

// What both live schemas agree on, in foreign-key order (copy_plan.hpp).
Result<std::vector<TableSpec>> Plan(CopyDb& source, CopyDb& target, const DbUrl& from,
                                    const DbUrl& to) {
  auto source_schema = source.Describe();
  if (!source_schema.ok()) {
    return WithContext(source_schema.status(), "reading the source schema", from);
  }
  auto target_schema = target.Describe();
  if (!target_schema.ok()) {
    return WithContext(target_schema.status(), "reading the target schema", to);
  }
  return copy::PlanCopy(*source_schema, *target_schema);
}

Result<CopyReport> Copy(CopyDb& source, CopyDb& target, const DbUrl& from, const DbUrl& to,
                        const std::function<void(const CopyProgress&)>& progress) {
  VPNHUB_ASSIGN_OR_RETURN(auto tables, Plan(source, target, from, to));

  VPNHUB_RETURN_IF_ERROR(WithContext(source.BeginRead(), "starting the source snapshot", from));
  VPNHUB_RETURN_IF_ERROR(WithContext(target.BeginWrite(tables), "locking the target", to));

  for (const auto& table : tables) {
    auto rows = target.Count(table);
    if (!rows.ok()) return WithContext(rows.status(), "counting target rows", to);
    if (*rows != 0) {
      return FailedPrecondition("the target is not empty: table " + table.name + " has " +
                                std::to_string(*rows) +
                                " rows (db copy only fills an empty database; nothing written)");
    }
  }

  CopyReport report;
  for (const auto& table : tables) {
    const std::string& name = table.name;
    auto total = source.Count(table);
    if (!total.ok()) return WithContext(total.status(), "counting source " + name, from);
    TableChecksum copied;
    Status write_error;
    Status st = source.Scan(table, [&](std::vector<Row>& batch) -> Status {
      VPNHUB_RETURN_IF_ERROR(target.Insert(table, batch));
      for (const Row& row : batch) copied.Add(row);
      if (progress) progress(CopyProgress{name, copied.rows(), *total});
      return Status::Ok();
    });
    if (!write_error.ok()) return WithContext(write_error, "writing target " + name, to);
    VPNHUB_RETURN_IF_ERROR(WithContext(st, "reading source " + name, from));
    VPNHUB_RETURN_IF_ERROR(WithContext(target.AfterTableCopied(table), "target " + name, to));
    if (copied.rows() != *total) {
      return Internal("data loss: source " + name + " counted " + std::to_string(*total) +
                      " rows but " + std::to_string(copied.rows()) +
                      " were read in the same snapshot; nothing committed");
    }

    // Read back what the target now holds, every column of every row.
    TableChecksum stored;
    st = target.Scan(table, [&](std::vector<Row>& batch) -> Status {
      for (const Row& row : batch) stored.Add(row);
      return Status::Ok();
    });
    VPNHUB_RETURN_IF_ERROR(WithContext(st, "reading back target " + name, to));
    auto target_count = target.Count(table);
    if (!target_count.ok())
      return WithContext(target_count.status(), "counting target " + name, to);
    if (stored.rows() != copied.rows() || *target_count != copied.rows()) {
      return Internal("data loss: table " + name + " has " + std::to_string(*target_count) +
                      " rows in the target but " + std::to_string(copied.rows()) +
                      " in the source; nothing committed");
    }
    if (stored.sum() != copied.sum()) {
      return Internal("data loss: table " + name +
                      " differs between source and target after copying (checksum over every "
                      "column); nothing committed");
    }
    report.rows_per_table.emplace_back(name, copied.rows());
  }

  VPNHUB_RETURN_IF_ERROR(WithContext(target.Commit(), "committing the target", to));
  source.Rollback();  // ends the read snapshot
  return report;
}

}  // namespace

Result<CopyReport> CopyDatabase(const std::string& from_url, const std::string& to_url,
                                const std::function<void(const CopyProgress&)>& progress) {
  VPNHUB_ASSIGN_OR_RETURN(auto from, ParseUrl(from_url, "--from"));
  VPNHUB_ASSIGN_OR_RETURN(auto to, ParseUrl(to_url, "--to"));
  if (SameDatabase(from, to)) {
    return InvalidArgument("--from and --to name the same database");
  }
  VPNHUB_ASSIGN_OR_RETURN(auto source, OpenDb(from, /*is_source=*/true));
  VPNHUB_ASSIGN_OR_RETURN(auto target, OpenDb(to, /*is_source=*/false));
  auto report = Copy(*source, *target, from, to, progress);
  if (!report.ok()) {
    target->Rollback();
    source->Rollback();
  }
  return report;
}

}  // namespace vpnhub::storage
