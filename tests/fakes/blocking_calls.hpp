#pragma once
// A FakeBackend hook that holds every CreateKey and DeleteKey until Open(), counting the calls
// held per server (for tests of bounded concurrency). Thread-safe.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "fakes/fake_backend.hpp"

namespace vpnhub::fakes {

class BlockingCalls {
 public:
  // Becomes `backend`'s hook; must outlive every call made on it.
  explicit BlockingCalls(FakeBackend& backend) {
    backend.OnCall(
        [this](FakeBackend::Call, const Server& server, const Key&) { Hold(server.id); });
  }

  // Lets every held call and every later one through.
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits up to 5 s until `n` calls to server `id` are held.
  bool WaitInFlight(Id id, int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_[id] == n; });
  }
  // The most calls to server `id` held at once.
  int Most(Id id) {
    std::lock_guard lock(mu_);
    return most_[id];
  }

 private:
  void Hold(Id id) {
    std::unique_lock lock(mu_);
    int& n = in_flight_[id];
    ++n;
    most_[id] = std::max(most_[id], n);
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --n;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::map<Id, int> in_flight_, most_;
};

}  // namespace vpnhub::fakes
