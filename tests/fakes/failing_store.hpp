#pragma once
// A Store that forwards to a real one and, on demand, fails write transactions at commit.
#include <atomic>
#include <functional>

#include "core/ports/store.hpp"

namespace vpnhub::fakes {

// The callback of a failing Write runs in full against the real store; then everything it did is
// rolled back and Write returns kUnavailable, as when the disk fills up at COMMIT. Reads and
// Ping are forwarded untouched. Thread-safe.
class FailingStore : public ports::Store {
 public:
  explicit FailingStore(ports::Store& inner) : inner_(inner) {}

  // The next `n` writes fail at commit; kEvery: every write until FailCommits(0).
  static constexpr int kEvery = -1;
  void FailCommits(int n) { to_fail_.store(n); }
  // Writes failed so far.
  int failed() const { return failed_.load(); }

  Status Read(const TxFn& fn) override { return inner_.Read(fn); }
  Status Ping() override { return inner_.Ping(); }

 private:
  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    if (!TakeFailure()) return inner_.Write(kind, fn);
    failed_.fetch_add(1);
    return inner_.Write(kind, [&](ports::StoreTx& tx) -> Status {
      VPNHUB_RETURN_IF_ERROR(fn(tx));
      return Unavailable("commit failed: disk full (injected)");
    });
  }
  bool TakeFailure() {
    int n = to_fail_.load();
    while (n != 0) {
      if (n == kEvery) return true;
      if (to_fail_.compare_exchange_weak(n, n - 1)) return true;
    }
    return false;
  }

  ports::Store& inner_;
  std::atomic<int> to_fail_{0};
  std::atomic<int> failed_{0};
};

}  // namespace vpnhub::fakes
