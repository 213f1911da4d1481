#include "storage/postgres/pg_pool.hpp"

#include <algorithm>
#include <utility>

namespace vpnhub::storage {

PgPool::PgPool(std::string url, int size, std::chrono::milliseconds connect_timeout,
               std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)),
      size_(std::max(1, size)),
      connect_timeout_(connect_timeout),
      acquire_timeout_(acquire_timeout) {}

PgPool::~PgPool() = default;

Result<PgPool::Lease> PgPool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      // A connection that sat idle through a server restart is dead; notice it here rather than
      // failing the caller's first statement.
      if (conn->Healthy()) return Lease(this, std::move(conn));
      conn.reset();
      Forget();
      lock.lock();
      continue;
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();
      auto conn = PgConnection::Open(url_, connect_timeout_);
      if (conn.ok()) return Lease(this, std::move(*conn));
      Forget();
      return conn.status();
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return Unavailable("postgres: no free connection in the pool (size " + std::to_string(size_) +
                         ") within " + std::to_string(acquire_timeout_.count()) + " ms");
    }
  }
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  // A connection left inside a transaction (a failed ROLLBACK) or broken is not reused: the next
  // user would inherit its state.
  if (!conn->Idle() || !conn->Healthy()) {
    conn.reset();
    Forget();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
  cv_.notify_one();
}

void PgPool::Forget() {
  std::lock_guard<std::mutex> lock(mu_);
  --open_;
  cv_.notify_one();
}

}  // namespace vpnhub::storage
