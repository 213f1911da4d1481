#pragma once
// Runs one function every `interval` on its own thread, so a slow job never delays another.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/time.hpp"

namespace vpnhub::jobs {

// Thread notes: Start/Stop from one controlling thread; RunNow from any thread.
class PeriodicJob {
 public:
  PeriodicJob(std::string name, Duration interval, std::function<void()> fn)
      : name_(std::move(name)), interval_(interval), fn_(std::move(fn)) {}
  ~PeriodicJob() { Stop(); }
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;

  // First run happens at once, then every interval (measured from the end of a run).
  void Start();
  void Stop();  // waits for a running invocation to finish
  void RunNow();
  const std::string& name() const { return name_; }

 private:
  void Loop();

  std::string name_;
  Duration interval_;
  std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool run_now_ = false;
  std::thread thread_;
};

}  // namespace vpnhub::jobs
