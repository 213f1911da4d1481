#pragma once
// A Store that forwards to a real one and knows, at any moment, how many transactions (reads and
// writes) are open through it: a fake provider asks it to prove that nobody calls a remote API
// while holding a database transaction. Thread-safe.
#include <atomic>

#include "core/ports/store.hpp"

namespace vpnhub::fakes {

class TxWatchStore : public ports::Store {
 public:
  explicit TxWatchStore(ports::Store& inner) : inner_(inner) {}

  // Transactions open right now (their callback is running).
  int open() const { return open_.load(); }

  Status Read(const TxFn& fn) override {
    return inner_.Read([&](ports::StoreTx& tx) { return Inside(fn, tx); });
  }
  Status Ping() override { return inner_.Ping(); }

 private:
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    return inner_.Write(kind, [&](ports::StoreTx& tx) { return Inside(fn, tx); });
  }
  Status Inside(const TxFn& fn, ports::StoreTx& tx) {
    ++open_;
    Status st = fn(tx);
    --open_;
    return st;
  }

  ports::Store& inner_;
  std::atomic<int> open_{0};
};

}  // namespace vpnhub::fakes
