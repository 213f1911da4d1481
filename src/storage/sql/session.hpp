#pragma once
// SqlSession: the one thing the SQL implementation of the storage ports (storage/sql/*.cpp) needs
// from a dialect: run a statement with parameters on the connection that has the transaction
// open, and read its rows. SqliteSession (storage/sqlite) and PgSession (storage/postgres)
// implement it once each; the ports are written once against it.
//
// SQL is written once, with PostgreSQL's $1, $2, ... placeholders. SqliteSession rewrites them to
// ?1, ?2, ... once per statement text (SQLite would number `$1` by first appearance, not by its
// digits) and keeps every statement prepared and cached; PgSession prepares each text once per
// connection. Where the dialects really need different SQL (an index hint, FOR UPDATE SKIP
// LOCKED, an id list as an array or as JSON, a function SQLite lacks), a SqlText carries both
// spellings side by side.
//
// Not thread-safe; lives only inside a Write/Read callback.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::storage {

enum class SqlDialect { kPostgres, kSqlite };

// The text of one statement: one spelling for both dialects, or one each.
struct SqlText {
  // NOLINTNEXTLINE(google-explicit-constructor): a plain string is the common case.
  constexpr SqlText(const char* both) : pg(both), sqlite(both) {}
  constexpr SqlText(const char* pg_text, const char* sqlite_text)
      : pg(pg_text), sqlite(sqlite_text) {}

  const char* For(SqlDialect dialect) const {
    return dialect == SqlDialect::kPostgres ? pg : sqlite;
  }

  const char* pg;
  const char* sqlite;
};

// The parameters of one statement, $1 first, in dialect-neutral form; each session binds them
// its own way (PostgreSQL: text format; SQLite: typed binds).
class SqlParams {
 public:
  struct Value {
    enum class Kind {
      kNull,
      kInt,
      kBool,
      kText,
      // A set of ids for `= ANY($n::bigint[])` (PostgreSQL: an array literal, as given) or
      // `IN (SELECT value FROM json_each($n))` (SQLite: a JSON array, ascending without repeats).
      kIdSet,
      // Ordered lists for PostgreSQL's `unnest($n::bigint[], $m::text[])`: one statement for
      // many rows. SQLite has no use for them and refuses to bind them.
      kIntList,
      kTextList,
    };
    Kind kind = Kind::kNull;
    std::int64_t number = 0;         // kInt, kBool (0 or 1)
    std::string text;                // kText
    std::vector<std::int64_t> ints;  // kIdSet, kIntList
    std::vector<std::string> texts;  // kTextList
  };

  SqlParams& Int(std::int64_t value) {
    Add(Value::Kind::kInt).number = value;
    return *this;
  }
  SqlParams& Bool(bool value) {
    Add(Value::Kind::kBool).number = value ? 1 : 0;
    return *this;
  }
  SqlParams& Text(std::string_view value) {
    Add(Value::Kind::kText).text = value;
    return *this;
  }
  SqlParams& Null() {
    Add(Value::Kind::kNull);
    return *this;
  }
  SqlParams& IntOrNull(std::optional<std::int64_t> value) { return value ? Int(*value) : Null(); }
  SqlParams& Ms(Time t) { return Int(ToUnixMs(t)); }  // a time as Unix milliseconds
  SqlParams& MsOrNull(std::optional<Time> t) { return t ? Ms(*t) : Null(); }
  SqlParams& Ids(std::vector<std::int64_t> ids) {
    Add(Value::Kind::kIdSet).ints = std::move(ids);
    return *this;
  }
  SqlParams& Ints(std::vector<std::int64_t> values) {
    Add(Value::Kind::kIntList).ints = std::move(values);
    return *this;
  }
  SqlParams& Texts(std::vector<std::string> values) {
    Add(Value::Kind::kTextList).texts = std::move(values);
    return *this;
  }

  const std::vector<Value>& values() const { return values_; }

 private:
  // A new last parameter of `kind`, for the caller to fill in.
  Value& Add(Value::Kind kind) {
    values_.emplace_back().kind = kind;
    return values_.back();
  }

  std::vector<Value> values_;
};

// One row of a result; column indexes start at 0. A PostgreSQL column that does not hold the
// asked type is reported by the connection (see PgResult), never silently read as 0.
class SqlRow {
 public:
  virtual std::int64_t Int64(int col) const = 0;
  virtual int Int(int col) const = 0;
  virtual bool Bool(int col) const = 0;
  virtual bool IsNull(int col) const = 0;
  virtual std::string Text(int col) const = 0;

  Time Ms(int col) const { return FromUnixMs(Int64(col)); }
  std::optional<Time> MsOrNull(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<Time>(Ms(col));
  }

 protected:
  ~SqlRow() = default;
};

// A non-owning reference to a callable Status(const SqlRow&), valid for one Query call.
class RowVisitor {
 public:
  template <class Fn>
  RowVisitor(Fn&& fn)  // NOLINT(google-explicit-constructor): lambdas convert implicitly.
      : fn_(static_cast<const void*>(&fn)), call_([](const void* f, const SqlRow& row) {
          return (*static_cast<std::remove_reference_t<Fn>*>(const_cast<void*>(f)))(row);
        }) {}
  Status operator()(const SqlRow& row) const { return call_(fn_, row); }

 private:
  const void* fn_;
  Status (*call_)(const void*, const SqlRow&);
};

class SqlSession {
 public:
  // A read-only transaction rejects every write method with kFailedPrecondition (CheckWritable)
  // before it reaches the database.
  SqlSession(SqlDialect dialect, bool read_only) : dialect_(dialect), read_only_(read_only) {}
  virtual ~SqlSession() = default;
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  SqlDialect dialect() const { return dialect_; }
  bool read_only() const { return read_only_; }

  // Runs `sql` and calls on_row for every row, in order; stops at the first error.
  virtual Status Query(const SqlText& sql, const SqlParams& params, RowVisitor on_row) = 0;
  // Runs an INSERT/UPDATE/DELETE and returns how many rows it touched.
  virtual Result<std::int64_t> Modify(const SqlText& sql, const SqlParams& params) = 0;
  // Runs an INSERT of one row, written without RETURNING, and returns the new id.
  virtual Result<Id> Insert(const SqlText& sql, const SqlParams& params) = 0;
  // Insert where a taken unique value is kAlreadyExists and leaves the transaction usable. A
  // failed statement aborts a PostgreSQL transaction, so PgSession adds ON CONFLICT DO NOTHING
  // and reports "<what>: a unique value is taken"; SQLite fails the statement alone with its own
  // message.
  virtual Result<Id> InsertUnique(const SqlText& sql, const SqlParams& params,
                                  const std::string& what) = 0;
  // Modify that may hit a unique index, where that is an ordinary kAlreadyExists leaving the
  // transaction usable: PgSession runs it under a savepoint and, when `what` is not empty,
  // reports "<what> is taken".
  virtual Result<std::int64_t> ModifyUnique(const SqlText& sql, const SqlParams& params,
                                            const std::string& what) = 0;

  // kFailedPrecondition naming `method` in a read-only transaction.
  Status CheckWritable(const char* method) const;
  // Whether a row with `id` exists in `table` (a fixed table name, never user input).
  Result<bool> Exists(const char* table, Id id);
  // For a compare-and-set UPDATE that changed nothing: kNotFound when the row is absent,
  // otherwise `otherwise`.
  Status ExplainNoChange(const char* table, const char* what, Id id, Status otherwise);

  // Every row, read by `read` (a SqlRow -> T or Result<T>).
  template <class T, class Read>
  Result<std::vector<T>> All(const SqlText& sql, const SqlParams& params, Read&& read) {
    std::vector<T> out;
    VPNHUB_RETURN_IF_ERROR(Query(sql, params, [&](const SqlRow& row) -> Status {
      Result<T> value = read(row);
      if (!value.ok()) return value.status();
      out.push_back(std::move(*value));
      return Status::Ok();
    }));
    return out;
  }
  // The first row, read by `read`; nullopt when there is none.
  template <class T, class Read>
  Result<std::optional<T>> First(const SqlText& sql, const SqlParams& params, Read&& read) {
    std::optional<T> out;
    VPNHUB_RETURN_IF_ERROR(Query(sql, params, [&](const SqlRow& row) -> Status {
      if (out) return Status::Ok();
      Result<T> value = read(row);
      if (!value.ok()) return value.status();
      out = std::move(*value);
      return Status::Ok();
    }));
    return out;
  }

 private:
  const SqlDialect dialect_;
  const bool read_only_;
};

// A negative limit reads as 0.
inline int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

// `ids` ascending without repeats: SQLite's batch lookups walk them one prepared statement at a
// time.
inline std::vector<Id> SortedUnique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace vpnhub::storage
