#include "storage/postgres/postgres_store.hpp"

#include <algorithm>
#include <random>
#include <thread>
#include <utility>

#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_session.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

// A transaction that keeps losing serialization conflicts gives up after this many runs, and not
// before it has tried for kMinRetryTime. Each loss means another transaction committed, so the
// system as a whole makes progress; the bound only stops one unlucky caller from spinning forever
// under extreme contention. The time floor keeps a caller on a starved CPU (whose runs are slow,
// so it loses to faster ones) from giving up after a fraction of a second.
constexpr int kMaxAttempts = 25;
constexpr std::chrono::seconds kMinRetryTime{5};
// Full-jitter exponential backoff between runs: a random pause up to min(cap, base * 2^n), so
// that the losers of one conflict do not collide again in lockstep.
constexpr std::chrono::microseconds kBackoffBase{500};
constexpr std::chrono::microseconds kBackoffCap{50'000};

constexpr char kBeginWrite[] = "BEGIN ISOLATION LEVEL SERIALIZABLE";
constexpr char kBeginQueueWrite[] = "BEGIN ISOLATION LEVEL READ COMMITTED";
// A snapshot for the whole callback; a read-only REPEATABLE READ transaction never fails on
// serialization (only SERIALIZABLE read-only ones can).
constexpr char kBeginRead[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

int LatestEmbeddedVersion() {
  int latest = 0;
  for (const EmbeddedMigration& m : PostgresEmbeddedMigrations()) {
    latest = std::max(latest, m.version);
  }
  return latest;
}

void Backoff(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto ceiling =
      std::min<std::int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(attempt, 10));
  std::uniform_int_distribution<std::int64_t> pause(0, ceiling);
  std::this_thread::sleep_for(std::chrono::microseconds(pause(rng)));
}

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PostgresStore::PostgresStore(const PostgresOptions& options)
    : pool_(options.url, options.pool_size, options.connect_timeout, options.acquire_timeout) {}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  if (options.url.empty()) return InvalidArgument("postgres: empty database URL");
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  VPNHUB_RETURN_IF_ERROR(store->Migrate());
  return store;
}

Status PostgresStore::RunOnce(const char* begin_sql, bool read_only, const TxFn& fn, bool& retry) {
  retry = false;
  VPNHUB_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  PgConnection& c = *conn;
  c.ClearRetryableFailure();
  (void)c.TakeReadError();
  Status begin = c.Exec(begin_sql);
  if (!begin.ok()) {
    // Nothing ran yet, so another run is safe: a connection that died while pooled is dropped
    // when the lease ends, and the next run gets a fresh one (or fails to connect and stops).
    retry = begin.code() == StatusCode::kUnavailable;
    return begin;
  }
  PgSession session(c, read_only);
  Status st = RunOnSession(session, fn);
  // A column that did not hold its type was read as 0 or false: whatever fn made of it is void.
  if (Status read = c.TakeReadError(); !read.ok()) st = read;
  if (c.retryable_failure()) {
    // Whatever fn made of the failed statement, the transaction is void: run it again.
    (void)c.Exec("ROLLBACK");
    retry = true;
    return Unavailable("postgres: the transaction lost a serialization conflict" +
                       (st.ok() ? std::string() : ": " + st.message()));
  }
  if (!st.ok()) {
    (void)c.Exec("ROLLBACK");
    return st;
  }
  Status commit = c.Exec("COMMIT");
  if (commit.ok()) return commit;
  if (c.retryable_failure()) {
    // SERIALIZABLE may refuse the COMMIT itself; the server has rolled back already.
    retry = true;
    return commit;
  }
  if (!c.Idle()) (void)c.Exec("ROLLBACK");
  if (commit.code() != StatusCode::kUnavailable) return Internal(commit.message());
  return commit;
}

Status PostgresStore::Run(const char* begin, bool read_only, const TxFn& fn) {
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    Status st = RunOnce(begin, read_only, fn, retry);
    if (!retry) return st;
    if (attempt >= kMaxAttempts && std::chrono::steady_clock::now() - start >= kMinRetryTime) {
      return Unavailable("postgres: transaction gave up after " + std::to_string(attempt) +
                         " attempts: " + st.message());
    }
    Backoff(attempt);
  }
}

Status PostgresStore::RunWrite(ports::WriteKind kind, const TxFn& fn) {
  return Run(kind == ports::WriteKind::kQueue ? kBeginQueueWrite : kBeginWrite,
             /*read_only=*/false, fn);
}

Status PostgresStore::Read(const TxFn& fn) { return Run(kBeginRead, /*read_only=*/true, fn); }

Status PostgresStore::Ping() {
  const int latest = LatestEmbeddedVersion();
  auto conn = pool_.Acquire();
  Status st = conn.status();
  if (st.ok()) {
    // Outside a transaction: one round trip. A missing table (a wiped database) fails here too.
    auto r = (*conn)->Query("SELECT max(version) FROM schema_migrations");
    st = r.status();
    if (st.ok() && r->IsNull(0, 0)) st = Unavailable("no migrations applied");
    if (st.ok() && r->Int64(0, 0) < latest) {
      st = Unavailable("schema version " + std::to_string(r->Int64(0, 0)) + " is older than " +
                       std::to_string(latest));
    }
    if (st.ok()) st = (*conn)->TakeReadError();
  }
  if (st.ok()) return st;
  return Unavailable("postgres ping: " + st.message());
}

Result<std::vector<int>> PostgresStore::Migrate() {
  VPNHUB_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  return ApplyPgMigrations(*conn, PostgresEmbeddedMigrations());
}

Result<std::vector<MigrationInfo>> PostgresStore::MigrationStatus() {
  VPNHUB_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  return ReadPgMigrationStatus(*conn, PostgresEmbeddedMigrations());
}

Result<std::string> PostgresStore::ExplainQuery(IndexedQuery query) {
  VPNHUB_ASSIGN_OR_RETURN(auto statement, IndexedQueryStatement(query, SystemNowMs()));
  VPNHUB_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
  // Plain EXPLAIN plans without running, so the UPDATE and the row locks do nothing.
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn->QueryOnce(std::string("EXPLAIN ") + statement.sql.pg,
                                                  ToPgParams(statement.params)));
  std::string plan;
  for (int row = 0; row < r.rows(); ++row) {
    if (!plan.empty()) plan += '\n';
    plan += r.Text(row, 0);
  }
  return plan;
}

}  // namespace vpnhub::storage
