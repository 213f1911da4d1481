#pragma once
// A fixed-size pool of libpq connections shared by the threads of one PostgresStore.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace vpnhub::storage {

class PgPool {
 public:
  // A connection borrowed from the pool; goes back when the lease dies (or is closed for good
  // when it is broken or left inside a transaction).
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Release(std::move(conn_));
    }
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Opens nothing yet: connections are made on demand, at most `size`. `url` may carry a password;
  // it is kept here and never put into a Status.
  PgPool(std::string url, int size, std::chrono::milliseconds connect_timeout,
         std::chrono::milliseconds acquire_timeout);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // An idle connection that still looks healthy (dead ones are closed and replaced), or a new one
  // while fewer than `size` are open. Waits up to acquire_timeout for a connection to come back.
  // kUnavailable when the wait times out or a new connection cannot be made. Thread-safe.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<PgConnection> conn);
  // Gives up one open slot (a connection closed or never made) and wakes a waiter.
  void Forget();

  const std::string url_;
  const int size_;
  const std::chrono::milliseconds connect_timeout_;
  const std::chrono::milliseconds acquire_timeout_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;  // connections idle or leased, plus ones being made; guarded by mu_
};

}  // namespace vpnhub::storage
