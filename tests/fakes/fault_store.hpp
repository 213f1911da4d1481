#pragma once
// A Store that forwards to a real one and injects the faults of a real database on demand:
// commits that fail, commits that went through but were reported failed, reads that fail,
// latency, and a lost connection. What it injected is counted.
#include <chrono>
#include <mutex>
#include <thread>

#include "core/ports/store.hpp"

namespace vpnhub::fakes {

// Thread-safe: faults may be set from the test thread while other threads use the store.
class FaultStore : public ports::Store {
 public:
  explicit FaultStore(ports::Store& inner) : inner_(inner) {}

  // For the counts below: every call from now on, until set to 0.
  static constexpr int kEvery = -1;

  // The next `n` writes fail at commit: the callback runs in full against the real store, then
  // everything it did is rolled back and Write returns kUnavailable, as when the disk fills up
  // at COMMIT. FailCommits(0) cancels.
  void FailCommits(int n) {
    std::lock_guard lock(mu_);
    commits_to_fail_ = n;
    commits_before_fault_ = 0;
  }
  // The `n`-th write from now (1: the next) fails at commit; those before it commit.
  void FailNthCommit(int n) {
    std::lock_guard lock(mu_);
    commits_to_fail_ = n > 0 ? 1 : 0;
    commits_before_fault_ = n > 0 ? n - 1 : 0;
  }
  // The next `n` writes commit, yet Write returns kUnavailable: the answer to COMMIT was lost.
  void AmbiguousCommits(int n) {
    std::lock_guard lock(mu_);
    ambiguous_to_inject_ = n;
  }
  // The next `n` reads return kUnavailable without running their callback.
  void FailReads(int n) {
    std::lock_guard lock(mu_);
    reads_to_fail_ = n;
  }
  // Every Write, Read and Ping waits this long before it starts (zero: none).
  void AddLatency(std::chrono::milliseconds latency) {
    std::lock_guard lock(mu_);
    latency_ = latency;
  }
  // Until RestoreConnection, every Write, Read and Ping returns kUnavailable at once, running
  // nothing, as when the database server is unreachable.
  void LoseConnection() {
    std::lock_guard lock(mu_);
    connected_ = false;
  }
  void RestoreConnection() {
    std::lock_guard lock(mu_);
    connected_ = true;
  }

  // What was injected so far.
  struct Counts {
    int failed_commits = 0;     // FailCommits / FailNthCommit
    int ambiguous_commits = 0;  // AmbiguousCommits
    int failed_reads = 0;       // FailReads
    int refused = 0;            // calls while the connection was lost
    int delayed = 0;            // calls that waited for AddLatency
  };
  Counts counts() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

  Status Read(const TxFn& fn) override {
    Fault f = Take(Call::kRead);
    if (f == Fault::kRefuse) return Unavailable("database connection lost (injected)");
    if (f == Fault::kFail) return Unavailable("read failed (injected)");
    return inner_.Read(fn);
  }
  Status Ping() override {
    if (Take(Call::kPing) == Fault::kRefuse) {
      return Unavailable("database connection lost (injected)");
    }
    return inner_.Ping();
  }

 private:
  enum class Call { kWrite, kRead, kPing };
  enum class Fault { kNone, kRefuse, kFail, kAmbiguous };

  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    switch (Take(Call::kWrite)) {
      case Fault::kNone:
        return inner_.Write(kind, fn);
      case Fault::kRefuse:
        return Unavailable("database connection lost (injected)");
      case Fault::kFail:
        return inner_.Write(kind, [&](ports::StoreTx& tx) -> Status {
          VPNHUB_RETURN_IF_ERROR(fn(tx));
          return Unavailable("commit failed: disk full (injected)");
        });
      case Fault::kAmbiguous: {
        Status st = inner_.Write(kind, fn);
        if (!st.ok()) return st;
        return Unavailable("connection lost during commit (injected; it committed)");
      }
    }
    return Internal("unreachable");
  }

  // Waits for the latency, then decides this call's fault and counts it.
  Fault Take(Call call) {
    std::chrono::milliseconds latency;
    Fault fault = Fault::kNone;
    {
      std::lock_guard lock(mu_);
      latency = latency_;
      if (latency.count() > 0) ++counts_.delayed;
      if (!connected_) {
        ++counts_.refused;
        fault = Fault::kRefuse;
      } else if (call == Call::kWrite && commits_to_fail_ != 0 && commits_before_fault_ > 0) {
        --commits_before_fault_;
      } else if (call == Call::kWrite && Consume(commits_to_fail_)) {
        ++counts_.failed_commits;
        fault = Fault::kFail;
      } else if (call == Call::kWrite && Consume(ambiguous_to_inject_)) {
        ++counts_.ambiguous_commits;
        fault = Fault::kAmbiguous;
      } else if (call == Call::kRead && Consume(reads_to_fail_)) {
        ++counts_.failed_reads;
        fault = Fault::kFail;
      }
    }
    if (latency.count() > 0) std::this_thread::sleep_for(latency);
    return fault;
  }
  // Takes one from a count of calls to fault (kEvery never runs out).
  static bool Consume(int& n) {
    if (n == 0) return false;
    if (n != kEvery) --n;
    return true;
  }

  ports::Store& inner_;
  mutable std::mutex mu_;
  int commits_to_fail_ = 0;       // guarded by mu_, as every field below
  int commits_before_fault_ = 0;  // writes that commit before commits_to_fail_ applies
  int ambiguous_to_inject_ = 0;
  int reads_to_fail_ = 0;
  std::chrono::milliseconds latency_{0};
  bool connected_ = true;
  Counts counts_;
};

}  // namespace vpnhub::fakes
