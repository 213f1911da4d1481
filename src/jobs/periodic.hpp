#pragma once
// Runs one function every `interval` on its own thread, so a slow job never delays another.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/time.hpp"

namespace vpnhub::jobs {

// When the next run starts.
enum class Cadence {
  // `interval` after the end of the previous run: a run that takes T spaces runs interval + T
  // apart.
  kFixedDelay,
  // `interval` after the start of the previous run; a run that took longer than the interval is
  // followed by the next one at once, and the runs it overlapped are not made up (no burst).
  kFixedRate,
};

// Thread notes: Start/Stop from one controlling thread; RunNow from any thread.
class PeriodicJob {
 public:
  PeriodicJob(std::string name, Duration interval, std::function<void()> fn,
              Cadence cadence = Cadence::kFixedDelay)
      : name_(std::move(name)), interval_(interval), fn_(std::move(fn)), cadence_(cadence) {}
  ~PeriodicJob() { Stop(); }
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;

  // First run happens at once, then every interval, as the cadence says.
  void Start();
  void Stop();  // waits for a running invocation to finish
  // Runs at once (after a running invocation ends); the cadence counts from this run.
  void RunNow();
  // Called by the function while it runs: the next run comes `wait` after this one (counted as
  // the cadence counts), when that is sooner than the interval; later runs keep the interval.
  void ShortenNextWait(Duration wait);
  const std::string& name() const { return name_; }

 private:
  void Loop();

  std::string name_;
  Duration interval_;
  std::function<void()> fn_;
  Cadence cadence_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool run_now_ = false;
  std::optional<Duration> next_wait_;  // ShortenNextWait's wait for the next run only
  std::thread thread_;
};

}  // namespace vpnhub::jobs
